//! Case numbers: region code (6) + acceptance-day date (8) + daily sequence (5), so that numbers
//! are unique, sort by date and can be read aloud at the window: `6199012026112500042`.
//! The query code is six characters from an alphabet without look-alikes, printed on the notice.

use std::fmt;

/// Digits of the daily sequence.
const SEQUENCE_DIGITS: usize = 5;
/// Largest sequence a day can have.
pub const SEQUENCE_MAX: u32 = 99_999;
/// Length of a query code.
pub const QUERY_CODE_LEN: usize = 6;
/// Characters of query codes: digits and capitals without 0/O, 1/I/L.
pub const QUERY_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A case number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber(String);

/// Why a case number is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseNumberError {
    /// Not 19 digits.
    #[error("a case number has 19 digits: region (6), date (8), sequence (5)")]
    Format,
    /// The date part is not a date.
    #[error("digits 7-14 of the case number are not a date")]
    Date,
    /// The sequence is past what a day can hold.
    #[error("the daily sequence is exhausted")]
    Sequence,
}

impl CaseNumber {
    /// Builds the number of the `sequence`th case of `date` in `region`.
    pub fn new(region: &str, date: jiff::civil::Date, sequence: u32) -> Result<CaseNumber, CaseNumberError> {
        if region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CaseNumberError::Format);
        }
        if sequence == 0 || sequence > SEQUENCE_MAX {
            return Err(CaseNumberError::Sequence);
        }
        let n = CaseNumber(format!("{region}{}{sequence:0width$}", date.strftime("%Y%m%d"), width = SEQUENCE_DIGITS));
        assert_eq!(n.0.len(), 19);
        Ok(n)
    }

    /// Parses a number typed by a person (spaces and full-width digits allowed).
    pub fn parse(raw: &str) -> Result<CaseNumber, CaseNumberError> {
        let s: String = crate::text::fold_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CaseNumberError::Format);
        }
        let date = Self::date_of(&s).ok_or(CaseNumberError::Date)?;
        let _ = date;
        Ok(CaseNumber(s))
    }

    fn date_of(s: &str) -> Option<jiff::civil::Date> {
        let y: i16 = s[6..10].parse().ok()?;
        let m: i8 = s[10..12].parse().ok()?;
        let d: i8 = s[12..14].parse().ok()?;
        jiff::civil::Date::new(y, m, d).ok()
    }

    /// The date part.
    pub fn date(&self) -> jiff::civil::Date {
        Self::date_of(&self.0).expect("a parsed case number has a valid date")
    }

    /// The region part.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// The 19 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `raw` has the shape of a query code (case-insensitive).
pub fn is_query_code(raw: &str) -> bool {
    raw.len() == QUERY_CODE_LEN && raw.bytes().all(|b| QUERY_CODE_ALPHABET.contains(&b.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable_and_sort_by_date() {
        let a = CaseNumber::new("619901", jiff::civil::date(2026, 11, 25), 42).unwrap();
        assert_eq!(a.as_str(), "6199012026112500042");
        let b = CaseNumber::new("619901", jiff::civil::date(2026, 11, 26), 1).unwrap();
        assert!(a < b);
        assert_eq!(CaseNumber::parse(" 619901 20261125 00042 ").unwrap(), a);
        assert_eq!(a.date(), jiff::civil::date(2026, 11, 25));
        assert_eq!(a.region(), "619901");
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(CaseNumber::new("6199", jiff::civil::date(2026, 1, 1), 1), Err(CaseNumberError::Format));
        assert_eq!(CaseNumber::new("619901", jiff::civil::date(2026, 1, 1), 0), Err(CaseNumberError::Sequence));
        assert_eq!(CaseNumber::new("619901", jiff::civil::date(2026, 1, 1), 100_000), Err(CaseNumberError::Sequence));
        assert_eq!(CaseNumber::parse("61990120261325000421"), Err(CaseNumberError::Format));
        assert_eq!(CaseNumber::parse("6199012026132500042"), Err(CaseNumberError::Date));
    }

    #[test]
    fn query_codes() {
        assert!(is_query_code("K7P3QX"));
        assert!(is_query_code("k7p3qx"));
        assert!(!is_query_code("K7P3Q0"), "0 looks like O");
        assert!(!is_query_code("K7P3Q"));
    }
}
