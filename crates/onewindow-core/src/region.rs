//! Administrative levels of the five-level service network (市 › 区 › 镇街 › 村社区, seed 003
//! §二(五)), used both for the region tree and for the levels where an item can be handled.

use serde::{Deserialize, Serialize};

/// A level of the region tree. Ordered from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 市 (prefecture-level city).
    City,
    /// 区/县 (district or county).
    District,
    /// 镇/街道 (town or sub-district).
    Town,
    /// 村/社区 (village or residents' community).
    Village,
}

impl Level {
    /// Every level, top down.
    pub const ALL: [Level; 4] = [Level::City, Level::District, Level::Town, Level::Village];

    /// The Chinese label shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::District => "区级",
            Level::Town => "镇（街道）",
            Level::Village => "村（社区）",
        }
    }

    /// The code used in JSON, URLs and CSV.
    pub fn code(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "district",
            Level::Town => "town",
            Level::Village => "village",
        }
    }

    /// Parses the English code or a common Chinese name (市, 市级, 区, 县, 镇, 街道, 村, 社区, …).
    pub fn parse_any(raw: &str) -> Option<Level> {
        let s = raw.trim();
        Level::ALL.into_iter().find(|l| l.code() == s || l.label_zh() == s).or(match s {
            "市" => Some(Level::City),
            "区" | "县" | "区县" | "区级" | "县级" => Some(Level::District),
            "镇" | "街道" | "镇街" | "乡镇" | "镇级" => Some(Level::Town),
            "村" | "社区" | "村社区" | "村级" => Some(Level::Village),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_chinese() {
        for l in Level::ALL {
            assert_eq!(Level::parse_any(l.code()), Some(l));
            assert_eq!(Level::parse_any(l.label_zh()), Some(l));
        }
        assert_eq!(Level::parse_any("社区"), Some(Level::Village));
        assert_eq!(Level::parse_any("街道"), Some(Level::Town));
        assert_eq!(Level::parse_any("省"), None);
    }
}
