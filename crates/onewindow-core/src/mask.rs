//! Masking of personal data (身份证号, mobile number, address) for readers who may not see it
//! in full. The rule of who may see it is in `role` ([`crate::role::Permission::SeePersonalData`]);
//! the views apply these functions.

use crate::case::{Applicant, ApplicantKind};

/// An identity number with all but the first six (the region) and the last four characters
/// hidden: `110105********002X`. Shorter strings keep only their first and last character.
pub fn id_number(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    match chars.len() {
        0 => String::new(),
        n if n >= 15 => chars[..6].iter().chain(std::iter::repeat_n(&'*', n - 10)).chain(&chars[n - 4..]).collect(),
        1 | 2 => "*".repeat(chars.len()),
        n => std::iter::once(chars[0]).chain(std::iter::repeat_n('*', n - 2)).chain(std::iter::once(chars[n - 1])).collect(),
    }
}

/// A telephone number with the middle digits hidden: `138****1234` for a mobile number; of
/// any other, only the last four digits stay.
pub fn phone(raw: &str) -> String {
    let chars: Vec<char> = raw.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        11 if chars.iter().all(char::is_ascii_digit) => chars[..3].iter().chain(&['*'; 4]).chain(&chars[7..]).collect(),
        n if n > 4 => std::iter::repeat_n('*', n - 4).chain(chars[n - 4..].iter().copied()).collect(),
        n => "*".repeat(n),
    }
}

/// An address cut after its county-level part (区, 县, 旗 or a county-level 市), the rest
/// hidden: `北京市朝阳区建国路88号` → `北京市朝阳区****`. An address without one keeps its
/// first three characters.
pub fn address(raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = raw.chars().collect();
    // The county level ends at the first 区/县/旗; failing those, at the last 市 among the
    // first ten characters (a county-level city such as 义乌市).
    let cut = chars
        .iter()
        .position(|c| matches!(c, '区' | '县' | '旗'))
        .or_else(|| chars.iter().take(10).rposition(|c| *c == '市'))
        .map(|i| i + 1)
        .unwrap_or(chars.len().min(3));
    if cut >= chars.len() {
        return raw.to_string();
    }
    chars[..cut].iter().collect::<String>() + "****"
}

/// The applicant as a reader without the right to see personal data reads it: the name
/// stays (it is on every notice), a person's identity number, the phone and the address are
/// masked. An organisation's unified social credit code is public (GB 32100) and stays.
pub fn applicant(a: &Applicant) -> Applicant {
    Applicant {
        kind: a.kind,
        name: a.name.clone(),
        id_number: if a.kind == ApplicantKind::Person { id_number(&a.id_number) } else { a.id_number.clone() },
        phone: phone(&a.phone),
        address: address(&a.address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_keep_region_and_last_four() {
        assert_eq!(id_number("11010519491231002X"), "110105********002X");
        assert_eq!(id_number("110105491231002"), "110105*****1002");
        assert_eq!(id_number("AB123"), "A***3");
        assert_eq!(id_number(""), "");
    }

    #[test]
    fn phones_keep_prefix_and_last_four() {
        assert_eq!(phone("13812341234"), "138****1234");
        assert_eq!(phone("010-65001234"), "********1234");
        assert_eq!(phone("123"), "***");
        assert_eq!(phone(""), "");
    }

    #[test]
    fn addresses_keep_their_district() {
        assert_eq!(address("北京市朝阳区建国路88号"), "北京市朝阳区****");
        assert_eq!(address("浙江省金华市义乌市稠城街道1号"), "浙江省金华市义乌市****");
        assert_eq!(address("示范区示范大道88号"), "示范区****");
        assert_eq!(address("某县"), "某县");
        assert_eq!(address("无名路1号"), "无名路****");
    }

    #[test]
    fn a_masked_person_shows_no_full_number_an_organisation_keeps_its_code() {
        let p = Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13812341234".into(),
            address: "北京市朝阳区建国路88号".into(),
        };
        let m = applicant(&p);
        assert_eq!((m.name.as_str(), m.id_number.as_str(), m.phone.as_str()), ("张三", "110105********002X", "138****1234"));
        let o = Applicant { kind: ApplicantKind::Organisation, id_number: "91110000100000000X".into(), ..p };
        assert_eq!(applicant(&o).id_number, "91110000100000000X");
    }
}
