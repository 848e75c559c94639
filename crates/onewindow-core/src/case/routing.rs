//! How an accepted case moves through the back office: which of the item's process steps
//! become review tasks, which materials are missing, and the vocabularies of decisions,
//! inspections and delivery.

use crate::catalogue::{ItemSpec, Step};
use serde::{Deserialize, Serialize};

/// The stage a process step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStage {
    /// Done at the window when the case is accepted (受理, 收件).
    Acceptance,
    /// A back-office examination step: becomes a task (审查, 核准, 复核, 现场核查…).
    Review,
    /// The decision, taken by a leader (决定, 审批, 签发).
    Decision,
    /// Delivery of the result (送达, 发证, 出件).
    Delivery,
}

/// Classifies a step by its name, as written in real service guides.
pub fn stage_of(step: &Step) -> StepStage {
    let name = step.name.as_str();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["受理", "收件", "接件", "申请"]) && !has(&["审查", "审核"]) {
        StepStage::Acceptance
    } else if has(&["送达", "发证", "出件", "领取", "颁证", "制证"]) {
        StepStage::Delivery
    } else if has(&["决定", "签发", "审批", "批准", "办结"]) && !has(&["审查", "审核", "核查"]) {
        StepStage::Decision
    } else {
        StepStage::Review
    }
}

/// The names of the review tasks an accepted case of `item` runs through, in order. An item
/// whose guide lists no examination step still gets one 审查 task: someone examines every case.
pub fn review_steps(item: &ItemSpec) -> Vec<String> {
    let steps: Vec<String> = item.steps.iter().filter(|s| stage_of(s) == StepStage::Review).map(|s| s.name.clone()).collect();
    if steps.is_empty() { vec!["审查".to_string()] } else { steps }
}

/// Whether a review step of this name is a site inspection (现场核查, 勘查, 踏勘, 勘验): it
/// passes only on an inspection on record.
pub fn needs_inspection(step_name: &str) -> bool {
    ["核查", "勘查", "踏勘", "勘验"].iter().any(|w| step_name.contains(w))
}

/// The required materials of `item` for which `provided` (requirement names) has nothing.
pub fn missing_requirements<'a>(item: &'a ItemSpec, provided: &[&str]) -> Vec<&'a str> {
    item.materials.iter().filter(|m| m.required && !provided.contains(&m.name.as_str())).map(|m| m.name.as_str()).collect()
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 准予.
    Approved,
    /// 不予.
    Denied,
}

impl Outcome {
    /// Both outcomes.
    pub const ALL: [Outcome; 2] = [Outcome::Approved, Outcome::Denied];

    /// Code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
        }
    }

    /// The outcome of a code; `None` for an unknown one.
    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Chinese label of the decision.
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Approved => "准予许可",
            Outcome::Denied => "不予许可",
        }
    }
}

/// Site inspection modes (seed 001 §三.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 独立核查 by the bureau.
    Independent,
    /// 联合核查 led by the bureau with other departments.
    Joint,
    /// 委托核查 by another department.
    Commissioned,
}

impl InspectionKind {
    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            InspectionKind::Independent => "独立核查",
            InspectionKind::Joint => "联合核查",
            InspectionKind::Commissioned => "委托核查",
        }
    }
}

/// How the result reaches the applicant (seed 002 §二.7, seed 003 §二.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 统一窗口领取.
    Window,
    /// 免费快递送达 (paid by the district).
    Express,
    /// 网上推送 (electronic result).
    Online,
}

impl DeliveryMethod {
    /// Every method.
    pub const ALL: [DeliveryMethod; 3] = [DeliveryMethod::Window, DeliveryMethod::Express, DeliveryMethod::Online];

    /// Code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "window",
            DeliveryMethod::Express => "express",
            DeliveryMethod::Online => "online",
        }
    }

    /// The method of a code; `None` for an unknown one.
    pub fn parse(code: &str) -> Option<DeliveryMethod> {
        DeliveryMethod::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "窗口领取",
            DeliveryMethod::Express => "快递送达",
            DeliveryMethod::Online => "网上推送",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Material;

    fn step(name: &str) -> Step {
        Step { name: name.into(), actor: String::new(), days: 1 }
    }

    #[test]
    fn steps_are_classified_by_name() {
        let table = [
            ("受理", StepStage::Acceptance),
            ("收件受理", StepStage::Acceptance),
            ("审查", StepStage::Review),
            ("材料审核", StepStage::Review),
            ("核准", StepStage::Review),
            ("现场核查", StepStage::Review),
            ("决定", StepStage::Decision),
            ("审批决定", StepStage::Decision),
            ("送达", StepStage::Delivery),
            ("制证发证", StepStage::Delivery),
        ];
        for (name, stage) in table {
            assert_eq!(stage_of(&step(name)), stage, "{name}");
        }
    }

    #[test]
    fn review_tasks_follow_the_guide() {
        let mut item = crate::catalogue::tests::sample();
        item.steps = ["受理", "审查", "核准", "决定", "送达"].map(step).to_vec();
        assert_eq!(review_steps(&item), vec!["审查", "核准"]);
        item.steps = ["受理", "决定"].map(step).to_vec();
        assert_eq!(review_steps(&item), vec!["审查"]);
    }

    #[test]
    fn missing_lists_required_materials_only() {
        let mut item = crate::catalogue::tests::sample();
        item.materials.push(Material {
            name: "委托书".into(),
            required: false,
            originals: 1,
            copies: 0,
            kind: String::new(),
            note: String::new(),
        });
        assert_eq!(missing_requirements(&item, &[]), vec!["食品经营许可申请书"]);
        assert!(missing_requirements(&item, &["食品经营许可申请书"]).is_empty());
    }

    /// The codes the store writes are the serde names the API uses, and read back.
    #[test]
    fn outcome_and_delivery_codes_are_their_serde_names() {
        for o in Outcome::ALL {
            assert_eq!(serde_json::to_value(o).unwrap(), o.code());
            assert_eq!(Outcome::parse(o.code()), Some(o));
        }
        for m in DeliveryMethod::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.code());
            assert_eq!(DeliveryMethod::parse(m.code()), Some(m));
        }
        assert_eq!(Outcome::parse("approve"), None, "a typo is no outcome");
        assert_eq!(DeliveryMethod::parse(""), None);
    }
}
