//! Small text helpers shared by validation, import and search.

/// Folds full-width ASCII (common in Chinese spreadsheets: `ＡＢＣ１２３`, `（`) to half-width
/// and trims. Ideographic space becomes a plain space.
pub fn fold_width(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Normalises a name written by people: trims, turns the ideographic space into a plain one and
/// full-width letters and digits (ＩＣＰ１２) into ASCII, but keeps Chinese punctuation such as
/// （）and ，, which is correct typography in Chinese names.
pub fn normalize_name(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// True for characters of the CJK Unified Ideographs blocks (the ones search tokenises as
/// bigrams).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Number of characters (not bytes), for limits on user text.
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width() {
        assert_eq!(fold_width("　ＡＢ１２（x）　"), "AB12(x)");
        assert_eq!(fold_width("食品经营许可"), "食品经营许可");
    }

    #[test]
    fn names_keep_chinese_punctuation() {
        assert_eq!(normalize_name(" 采集审批（林业类，初审）ＩＣＰ１ "), "采集审批（林业类，初审）ICP1");
    }

    #[test]
    fn cjk_detection() {
        assert!(is_cjk('食'));
        assert!(!is_cjk('a'));
        assert!(!is_cjk('，'));
    }
}
