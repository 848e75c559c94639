//! Item codes after the national structure for government-service items (GB/T 39554.1,
//! "三级四同": the same item has the same basic code at province, city and county level).
//!
//! The shape onewindow writes (canonical form):
//! - **Basic code** (基本编码), 12 characters: 2 digits of item type, 5 of the main item
//!   (主项), 3 of the sub-item (子项, `000` when none) and 2 of the business item (业务办理项,
//!   `00` when none). Example: `010010010000`.
//! - **Implementation code** (实施编码): the basic code, the six-digit administrative division
//!   of the implementing region (GB/T 2260) and the implementing department's unified social
//!   credit code (GB 32100), joined by `-`. Example: `010010010000-610502-11610502MB1234567L`.
//!
//! Real published catalogues deviate (basic codes of 10–16 characters, letters in the type
//! part for public services, department parts of odd length, doubled or missing separators).
//! [`ItemCode::parse`] takes such codes and reports each deviation as a [`CodeWarning`]; it
//! refuses only what cannot be read as a code at all.

use crate::ids::CreditCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Length of a standard basic code.
pub const BASIC_CODE_LEN: usize = 12;
const BASIC_CODE_LEN_MIN: usize = 10;
const BASIC_CODE_LEN_MAX: usize = 16;
const REGION_CODE_LEN: usize = 6;
const CREDIT_CODE_LEN: usize = 18;

/// A code that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Empty after trimming.
    #[error("the item code is empty")]
    Empty,
    /// A character other than digits, capitals and `-`.
    #[error("the item code has a character other than digits, capital letters and '-': {0:?}")]
    Character(char),
    /// The basic code part is shorter than 10 or longer than 16 characters.
    #[error("the basic code has {0} characters; it must have 12 (10 to 16 are accepted with a warning)")]
    BasicLength(usize),
    /// The region part is not six digits.
    #[error("the region part {0:?} is not a six-digit administrative division code")]
    Region(String),
    /// The department part is missing.
    #[error("the implementation code has no department part after the region")]
    DepartmentMissing,
}

/// A deviation from the standard shape that the code was accepted with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CodeWarning {
    /// The basic code does not have 12 characters.
    BasicLength {
        /// Characters found.
        length: usize,
    },
    /// The basic code has letters where the standard has digits (common for public services).
    BasicLetters,
    /// The department part is not an 18-character credit code.
    DepartmentLength {
        /// Characters found.
        length: usize,
    },
    /// The department part has 18 characters but its GB 32100 check character is wrong.
    DepartmentCheck,
    /// Separators were doubled, missing or in odd places and were normalised.
    Separators,
}

impl CodeWarning {
    /// A Chinese sentence for import reports and forms.
    pub fn message_zh(&self) -> String {
        match self {
            CodeWarning::BasicLength { length } => format!("基本编码为{length}位，标准为12位"),
            CodeWarning::BasicLetters => "基本编码含字母，标准为纯数字".into(),
            CodeWarning::DepartmentLength { length } => {
                format!("实施部门代码为{length}位，标准为18位统一社会信用代码")
            }
            CodeWarning::DepartmentCheck => "实施部门统一社会信用代码校验位不正确".into(),
            CodeWarning::Separators => "编码分隔符不规范，已规范化".into(),
        }
    }

    /// An English sentence for logs and the API.
    pub fn message_en(&self) -> String {
        match self {
            CodeWarning::BasicLength { length } => {
                format!("basic code has {length} characters, the standard has 12")
            }
            CodeWarning::BasicLetters => "basic code has letters, the standard has digits only".into(),
            CodeWarning::DepartmentLength { length } => {
                format!("department part has {length} characters, the standard is an 18-character credit code")
            }
            CodeWarning::DepartmentCheck => "department credit code has a wrong check character".into(),
            CodeWarning::Separators => "separators were irregular and were normalised".into(),
        }
    }
}

/// A parsed item code: a basic code alone, or an implementation code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemCode {
    basic: String,
    implementation: Option<(String, String)>,
}

impl ItemCode {
    /// Parses a basic or implementation code, normalising width, case and separators.
    pub fn parse(raw: &str) -> Result<(ItemCode, Vec<CodeWarning>), CodeError> {
        let folded = crate::text::fold_width(raw).to_ascii_uppercase();
        let folded: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
        if folded.is_empty() {
            return Err(CodeError::Empty);
        }
        if let Some(bad) = folded.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(CodeError::Character(bad));
        }
        let mut warnings = Vec::new();
        let parts: Vec<&str> = folded.split('-').filter(|p| !p.is_empty()).collect();
        let empty_parts = folded.split('-').count() != parts.len();
        let (basic, rest) = match parts.as_slice() {
            [] => return Err(CodeError::Empty),
            [only] => split_unseparated(only, &mut warnings)?,
            [basic, region, department @ ..] => {
                let department = department.concat();
                if department.is_empty() {
                    return Err(CodeError::DepartmentMissing);
                }
                (basic.to_string(), Some((region.to_string(), department)))
            }
        };
        if empty_parts || parts.len() > 3 {
            warnings.push(CodeWarning::Separators);
        }
        check_basic(&basic, &mut warnings)?;
        if let Some((region, department)) = &rest {
            if region.len() != REGION_CODE_LEN || !region.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CodeError::Region(region.clone()));
            }
            if department.len() != CREDIT_CODE_LEN {
                warnings.push(CodeWarning::DepartmentLength { length: department.len() });
            } else if CreditCode::parse(department).is_err() {
                warnings.push(CodeWarning::DepartmentCheck);
            }
        }
        Ok((ItemCode { basic, implementation: rest }, warnings))
    }

    /// Builds an implementation code from its parts (used by the demo and by forms).
    pub fn implementation(basic: &str, region: &str, department: &str) -> Result<(ItemCode, Vec<CodeWarning>), CodeError> {
        ItemCode::parse(&format!("{basic}-{region}-{department}"))
    }

    /// The basic code (the same at every level for the same item).
    pub fn basic(&self) -> &str {
        &self.basic
    }

    /// The implementing region's division code, for implementation codes.
    pub fn region(&self) -> Option<&str> {
        self.implementation.as_ref().map(|(r, _)| r.as_str())
    }

    /// The implementing department's code, for implementation codes.
    pub fn department(&self) -> Option<&str> {
        self.implementation.as_ref().map(|(_, d)| d.as_str())
    }

    /// The canonical text: the basic code, or `basic-region-department`.
    pub fn canonical(&self) -> String {
        match &self.implementation {
            None => self.basic.clone(),
            Some((r, d)) => format!("{}-{r}-{d}", self.basic),
        }
    }
}

impl fmt::Display for ItemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Reads a code without separators: a basic code alone, or the 36 characters of
/// basic (12) + region (6) + credit code (18) written together.
fn split_unseparated(code: &str, warnings: &mut Vec<CodeWarning>) -> Result<(String, Option<(String, String)>), CodeError> {
    let n = code.len();
    if n <= BASIC_CODE_LEN_MAX {
        return Ok((code.to_string(), None));
    }
    if n == BASIC_CODE_LEN + REGION_CODE_LEN + CREDIT_CODE_LEN {
        warnings.push(CodeWarning::Separators);
        let (basic, rest) = code.split_at(BASIC_CODE_LEN);
        let (region, department) = rest.split_at(REGION_CODE_LEN);
        return Ok((basic.to_string(), Some((region.to_string(), department.to_string()))));
    }
    Err(CodeError::BasicLength(n))
}

fn check_basic(basic: &str, warnings: &mut Vec<CodeWarning>) -> Result<(), CodeError> {
    let n = basic.len();
    if !(BASIC_CODE_LEN_MIN..=BASIC_CODE_LEN_MAX).contains(&n) {
        return Err(CodeError::BasicLength(n));
    }
    if n != BASIC_CODE_LEN {
        warnings.push(CodeWarning::BasicLength { length: n });
    }
    if !basic.bytes().all(|b| b.is_ascii_digit()) {
        warnings.push(CodeWarning::BasicLetters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPT: &str = "11610502MB1234567L";

    fn dept_ok() -> String {
        let check = crate::ids::gb32100_check_char(&DEPT.as_bytes()[..17]).unwrap();
        format!("{}{}", &DEPT[..17], check as char)
    }

    #[test]
    fn standard_codes_parse_without_warnings() {
        let (c, w) = ItemCode::parse("010010010000").unwrap();
        assert_eq!((c.basic(), c.region(), w.len()), ("010010010000", None, 0));
        let full = format!("010010010000-610502-{}", dept_ok());
        let (c, w) = ItemCode::parse(&full).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.region(), Some("610502"));
        assert_eq!(c.canonical(), full);
        // Lowercase, full-width and spaces are normalised.
        let (c2, _) = ItemCode::parse(&format!(" ０１００１００１００００-610502-{} ", dept_ok().to_lowercase())).unwrap();
        assert_eq!(c2, c);
    }

    #[test]
    fn deviations_are_warnings() {
        let dept = dept_ok();
        let table: Vec<(String, Vec<CodeWarning>)> = vec![
            ("0100100100001".into(), vec![CodeWarning::BasicLength { length: 13 }]),
            ("01001001000012".into(), vec![CodeWarning::BasicLength { length: 14 }]),
            ("GG0010010000".into(), vec![CodeWarning::BasicLetters]),
            ("010010010000-610502-1161050212345".into(), vec![CodeWarning::DepartmentLength { length: 13 }]),
            ("010010010000-610502-11610502MB1234567A".into(), vec![CodeWarning::DepartmentCheck]),
            (format!("010010010000--610502-{dept}"), vec![CodeWarning::Separators]),
            (format!("010010010000-610502-{}-{}", &dept[..9], &dept[9..]), vec![CodeWarning::Separators]),
            (format!("010010010000610502{dept}"), vec![CodeWarning::Separators]),
        ];
        for (raw, expected) in table {
            let (_, w) = ItemCode::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(w, expected, "{raw}");
        }
    }

    #[test]
    fn unreadable_codes_are_refused() {
        let table = [
            ("", CodeError::Empty),
            ("  - ", CodeError::Empty),
            ("0100100", CodeError::BasicLength(7)),
            ("01001001000012345", CodeError::BasicLength(17)),
            ("010010010000/610502", CodeError::Character('/')),
            ("食品经营许可", CodeError::Character('食')),
            ("010010010000-6105-X", CodeError::Region("6105".into())),
            ("010010010000-610502", CodeError::DepartmentMissing),
        ];
        for (raw, expected) in table {
            assert_eq!(ItemCode::parse(raw).map(|_| ()), Err(expected), "{raw}");
        }
    }

    #[test]
    fn warnings_have_messages_in_both_languages() {
        let w = CodeWarning::BasicLength { length: 13 };
        assert!(w.message_zh().contains("13"));
        assert!(w.message_en().contains("13"));
    }
}
