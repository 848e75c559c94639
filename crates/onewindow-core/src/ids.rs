//! Identifiers of applicants: resident identity card numbers (GB 11643) and unified social
//! credit codes (GB 32100). Both are parsed, never merely validated: a value of these types
//! has a correct check character.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Errors of [`IdNumber::parse`], in domain terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 17 digits followed by a digit or `X`.
    #[error("an identity card number has 18 characters: 17 digits and a digit or X")]
    Format,
    /// Characters 7–14 are not a real date.
    #[error("characters 7-14 of the identity card number are not a valid date of birth")]
    BirthDate,
    /// The last character does not match the GB 11643 check.
    #[error("the check character of the identity card number is wrong")]
    CheckCharacter,
}

/// A citizen's resident identity card number (公民身份号码, GB 11643-1999): six digits of the
/// address code, eight of the date of birth, three of sequence, one check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

const GB11643_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const GB11643_CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character of the first 17 digits (ISO 7064 MOD 11-2).
pub fn gb11643_check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17.iter().zip(GB11643_WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    GB11643_CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Parses an identity card number; full-width characters and a lowercase `x` are accepted.
    pub fn parse(raw: &str) -> Result<Self, IdNumberError> {
        let code = crate::text::fold_width(raw).to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::Format);
        }
        let year: i16 = code[6..10].parse().map_err(|_| IdNumberError::BirthDate)?;
        let month: i8 = code[10..12].parse().map_err(|_| IdNumberError::BirthDate)?;
        let day: i8 = code[12..14].parse().map_err(|_| IdNumberError::BirthDate)?;
        if year < 1800 || jiff::civil::Date::new(year, month, day).is_err() {
            return Err(IdNumberError::BirthDate);
        }
        let first17: &[u8; 17] = bytes[..17].try_into().expect("length checked above");
        if gb11643_check_char(first17) != bytes[17] {
            return Err(IdNumberError::CheckCharacter);
        }
        Ok(Self(code))
    }

    /// The number as 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the first 3 and last 2 characters hidden, for public pages.
    pub fn masked(&self) -> String {
        format!("{}*************{}", &self.0[..3], &self.0[16..])
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IdNumber> for String {
    fn from(value: IdNumber) -> Self {
        value.0
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Errors of [`CreditCode::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters of the GB 32100 alphabet (digits and capitals without I, O, S, V, Z).
    #[error("a unified social credit code has 18 characters of digits and capitals other than I, O, S, V, Z")]
    Format,
    /// The last character does not match the GB 32100 check.
    #[error("the check character of the unified social credit code is wrong")]
    CheckCharacter,
}

/// The GB 32100 alphabet: digits and capitals without I, O, S, V, Z; a character's value is its index.
const GB32100_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const GB32100_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn gb32100_value(c: u8) -> Option<u32> {
    GB32100_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The GB 32100 check character of the first 17 characters, or `None` when one of them is
/// outside the alphabet.
pub fn gb32100_check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in first17.iter().zip(GB32100_WEIGHTS) {
        sum += gb32100_value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(GB32100_ALPHABET[check as usize])
}

/// An organisation's unified social credit code (统一社会信用代码, GB 32100-2015): registering
/// authority, organisation kind, six-digit administrative division, nine-character
/// organisation code, check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code; full-width characters and lowercase letters are accepted.
    pub fn parse(raw: &str) -> Result<Self, CreditCodeError> {
        let code = crate::text::fold_width(raw).to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 18 || !bytes.iter().all(|&c| gb32100_value(c).is_some()) {
            return Err(CreditCodeError::Format);
        }
        if gb32100_check_char(&bytes[..17]) != Some(bytes[17]) {
            return Err(CreditCodeError::CheckCharacter);
        }
        Ok(Self(code))
    }

    /// The code as 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division code (GB/T 2260) embedded in characters 3–8.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_numbers() {
        // The example number of GB 11643-1999 appendix and well-known published samples.
        let table = [
            ("11010519491231002X", Ok(())),
            ("440524188001010014", Ok(())),
            ("11010519491231002x", Ok(())),
            ("110105194912310021", Err(IdNumberError::CheckCharacter)),
            ("11010519491331002X", Err(IdNumberError::BirthDate)),
            ("11010519490230002X", Err(IdNumberError::BirthDate)),
            ("1101051949123100", Err(IdNumberError::Format)),
            ("11010519491231002Y", Err(IdNumberError::Format)),
            ("", Err(IdNumberError::Format)),
        ];
        for (raw, expected) in table {
            assert_eq!(IdNumber::parse(raw).map(|_| ()), expected, "{raw}");
        }
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap().as_str(), "11010519491231002X");
        assert_eq!(IdNumber::parse("11010519491231002X").unwrap().masked(), "110*************2X");
    }

    #[test]
    fn credit_codes() {
        // Published codes of real organisations (check characters verified by hand).
        let table = [
            ("91350100M000100Y43", Ok(())),
            ("91110000802100433B", Ok(())),
            ("91350100m000100y43", Ok(())),
            ("91350100M000100Y44", Err(CreditCodeError::CheckCharacter)),
            ("91350100M000100Y4", Err(CreditCodeError::Format)),
            ("91350100M000100YI3", Err(CreditCodeError::Format)),
        ];
        for (raw, expected) in table {
            assert_eq!(CreditCode::parse(raw).map(|_| ()), expected, "{raw}");
        }
        assert_eq!(CreditCode::parse("91350100M000100Y43").unwrap().region_code(), "350100");
    }

    proptest! {
        #[test]
        fn any_computed_id_check_parses(region in 110000u32..660000, days in 0i64..40000, seq in 0u32..1000) {
            let birth = jiff::civil::date(1920, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
            let first17 = format!("{region:06}{}{seq:03}", birth.strftime("%Y%m%d"));
            let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
            let full = format!("{first17}{}", gb11643_check_char(&bytes) as char);
            prop_assert!(IdNumber::parse(&full).is_ok());
            // Any other last character is refused.
            for c in b"0123456789X" {
                if *c != full.as_bytes()[17] {
                    let wrong = format!("{first17}{}", *c as char);
                    prop_assert_eq!(IdNumber::parse(&wrong), Err(IdNumberError::CheckCharacter));
                }
            }
        }

        #[test]
        fn any_computed_credit_check_parses(body in "[0-9A-HJ-NP-RTUW-Y]{17}") {
            let check = gb32100_check_char(body.as_bytes()).unwrap();
            let full = format!("{body}{}", check as char);
            prop_assert!(CreditCode::parse(&full).is_ok());
            let other = GB32100_ALPHABET.iter().find(|&&c| c != check).unwrap();
            let wrong = format!("{body}{}", *other as char);
            prop_assert_eq!(CreditCode::parse(&wrong), Err(CreditCodeError::CheckCharacter));
        }
    }
}
