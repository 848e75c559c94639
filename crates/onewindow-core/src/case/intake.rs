//! The window's intake of a walk-in applicant (窗口收件): the paper materials handed over and
//! what happened to them (seed 004 §二(二): the window logs paper materials received and
//! returned), printed on the receipt (收件凭证).

use serde::{Deserialize, Serialize};

/// The most paper copies or originals of one material the window logs.
pub const PAPER_COUNT_MAX: u32 = 99;

/// The paper form of one material handed over at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperReceived {
    /// The requirement (material name).
    pub material: String,
    /// Originals shown or handed over (原件).
    pub originals: u32,
    /// Whether the originals were checked and handed back (核验后退还) rather than kept.
    pub originals_returned: bool,
    /// Copies kept (复印件).
    pub copies: u32,
}

impl PaperReceived {
    /// Whether anything on paper was handed over.
    pub fn any(&self) -> bool {
        self.originals > 0 || self.copies > 0
    }

    /// What the receipt says of it, e.g. "原件1份（核验后已退还）；复印件2份（留存）".
    pub fn describe_zh(&self) -> String {
        let mut parts = Vec::new();
        if self.originals > 0 {
            let fate = if self.originals_returned { "核验后已退还" } else { "留存" };
            parts.push(format!("原件{}份（{fate}）", self.originals));
        }
        if self.copies > 0 {
            parts.push(format!("复印件{}份（留存）", self.copies));
        }
        if parts.is_empty() { "无纸质材料".to_string() } else { parts.join("；") }
    }

    /// Checks the counts: `Err((Chinese, English))` naming the material.
    pub fn check(&self) -> Result<(), (String, String)> {
        if self.originals > PAPER_COUNT_MAX || self.copies > PAPER_COUNT_MAX {
            return Err((
                format!("“{}”的纸质份数不能超过{PAPER_COUNT_MAX}份", self.material),
                format!("{}: at most {PAPER_COUNT_MAX} paper copies", self.material),
            ));
        }
        Ok(())
    }
}

/// The paper log kept in a case's form data (`form.paper`), empty when none was kept.
pub fn paper_of(form: &serde_json::Value) -> Vec<PaperReceived> {
    form.get("paper").and_then(|p| serde_json::from_value(p.clone()).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(originals: u32, returned: bool, copies: u32) -> PaperReceived {
        PaperReceived { material: "营业执照".into(), originals, originals_returned: returned, copies }
    }

    #[test]
    fn the_receipt_says_what_was_handed_over_and_what_went_back() {
        assert_eq!(paper(1, true, 2).describe_zh(), "原件1份（核验后已退还）；复印件2份（留存）");
        assert_eq!(paper(1, false, 0).describe_zh(), "原件1份（留存）");
        assert_eq!(paper(0, false, 3).describe_zh(), "复印件3份（留存）");
        assert_eq!(paper(0, true, 0).describe_zh(), "无纸质材料");
        assert!(!paper(0, true, 0).any());
        assert!(paper(0, false, 1).any());
    }

    #[test]
    fn counts_are_bounded_and_the_log_reads_back_from_the_form() {
        assert!(paper(99, true, 99).check().is_ok());
        let err = paper(100, true, 0).check().unwrap_err();
        assert!(err.0.contains("营业执照"), "{err:?}");
        let log = vec![paper(1, true, 2)];
        let form = serde_json::json!({"paper": log});
        assert_eq!(paper_of(&form), log);
        assert!(paper_of(&serde_json::json!({})).is_empty());
        assert!(paper_of(&serde_json::json!({"paper": "garbage"})).is_empty());
    }
}
