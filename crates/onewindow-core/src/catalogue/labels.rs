//! Closed vocabularies of the catalogue, each with an English code (JSON, CSV, URLs) and a
//! Chinese label (UI, documents). Imports accept either, since real catalogues are kept in
//! Chinese spreadsheets.

use serde::{Deserialize, Serialize};

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal $(| $alias:literal)*;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The English code used in JSON, CSV and URLs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Chinese label shown to users.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// Parses the English code, the Chinese label or a known alias.
            pub fn parse_any(raw: &str) -> Option<Self> {
                let s = crate::text::fold_width(raw);
                match s.as_str() {
                    $($code | $zh $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

labelled_enum! {
    /// Item type (事项类型) of the "三级四同" catalogue (seed 001 §二), plus public services.
    ItemKind {
        /// 行政许可.
        Licensing = "licensing", "行政许可";
        /// 审核转报: examined here and forwarded to a higher level.
        ReviewForward = "review_forward", "审核转报";
        /// 审核备案.
        ReviewFiling = "review_filing", "审核备案";
        /// 服务类事项.
        Service = "service", "服务类" | "服务类事项";
        /// 公共服务.
        PublicService = "public_service", "公共服务" | "公共服务事项";
    }
}

labelled_enum! {
    /// How a case of the item is decided (seed 000 §18 证照分离, seed 003 §二(一)1).
    HandlingType {
        /// Examined and approved or denied.
        Approval = "approval", "审批";
        /// 备案: registered on acceptance instead of approved.
        Filing = "filing", "备案";
        /// 告知承诺: approved on the applicant's written commitment, checked afterwards.
        Commitment = "commitment", "告知承诺";
        /// 转报: passed to the higher level, with its reply tracked.
        Forwarding = "forwarding", "转报";
    }
}

labelled_enum! {
    /// Lifecycle status of an item (增加/承接/下放/调整/取消, seed 003 §二(三)3, seed 000 §1).
    ItemStatus {
        /// 在用: in force.
        InForce = "in_force", "在用" | "有效";
        /// 已调整: in force after an adjustment.
        Adjusted = "adjusted", "已调整" | "调整";
        /// 已下放: delegated down to a lower level.
        Delegated = "delegated", "已下放" | "下放";
        /// 已承接: taken over from a higher level.
        TakenOver = "taken_over", "已承接" | "承接";
        /// 已取消: readable, takes no applications.
        Cancelled = "cancelled", "已取消" | "取消";
    }
}

labelled_enum! {
    /// Which seals make a decision of the item valid.
    SealModel {
        /// 一枚印章管审批: decided under the approval bureau's single approval seal (seed 001 §一.2).
        Bureau = "bureau", "审批局审批专用章" | "一枚印章";
        /// Signed by the department's leader at the centre with the department's approval seal,
        /// then the bureau's seal; without both the result is void (seed 004 §二(九)–(十一)).
        DepartmentThenBureau = "department_then_bureau", "部门审批专用章+审批局印章" | "双章";
    }
}

labelled_enum! {
    /// 即办件 or 承诺件.
    HandlingMode {
        /// 即办件 ("马上办"): decided the same working day.
        Immediate = "immediate", "即办件" | "即办";
        /// 承诺件: decided within the promised limit.
        Promised = "promised", "承诺件" | "承诺";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_and_code_round_trips() {
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse_any(k.code()), Some(*k));
            assert_eq!(ItemKind::parse_any(k.label_zh()), Some(*k));
        }
        for k in HandlingType::ALL {
            assert_eq!(HandlingType::parse_any(k.label_zh()), Some(*k));
        }
        for k in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse_any(k.label_zh()), Some(*k));
        }
        for k in SealModel::ALL {
            assert_eq!(SealModel::parse_any(k.code()), Some(*k));
        }
        assert_eq!(HandlingMode::parse_any("即办件"), Some(HandlingMode::Immediate));
        assert_eq!(ItemStatus::parse_any("下放"), Some(ItemStatus::Delegated));
        assert_eq!(ItemKind::parse_any("行政处罚"), None);
    }

    #[test]
    fn serde_uses_codes() {
        assert_eq!(serde_json::to_string(&ItemKind::ReviewForward).unwrap(), "\"review_forward\"");
        assert_eq!(serde_json::to_string(&SealModel::DepartmentThenBureau).unwrap(), "\"department_then_bureau\"");
    }
}
