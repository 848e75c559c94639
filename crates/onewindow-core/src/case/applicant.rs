//! Applicants: a citizen identified by a resident identity number (GB 11643) or an
//! organisation by its unified social credit code (GB 32100), and how they reached us.

use crate::ids::{CreditCode, CreditCodeError, IdNumber, IdNumberError};
use serde::{Deserialize, Serialize};

/// Person or organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// 自然人.
    Person,
    /// 法人或其他组织.
    Organisation,
}

/// A validated applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// Name (姓名 or 单位名称).
    pub name: String,
    /// Identity number or credit code, normalised.
    pub id_number: String,
    /// Telephone for notices and follow-up visits.
    #[serde(default)]
    pub phone: String,
    /// Postal address for express delivery.
    #[serde(default)]
    pub address: String,
}

/// Why an applicant is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicantError {
    /// No name.
    #[error("the applicant's name is empty")]
    Name,
    /// Bad identity number.
    #[error("identity card number: {0}")]
    IdNumber(#[from] IdNumberError),
    /// Bad credit code.
    #[error("unified social credit code: {0}")]
    CreditCode(#[from] CreditCodeError),
}

impl ApplicantError {
    /// A Chinese sentence for the applicant.
    pub fn message_zh(&self) -> String {
        match self {
            ApplicantError::Name => "请填写申请人姓名或单位名称".into(),
            ApplicantError::IdNumber(IdNumberError::Format) => "身份证号码应为18位：17位数字加1位数字或X".into(),
            ApplicantError::IdNumber(IdNumberError::BirthDate) => "身份证号码中的出生日期不正确".into(),
            ApplicantError::IdNumber(IdNumberError::CheckCharacter) => "身份证号码校验位不正确，请核对后重新输入".into(),
            ApplicantError::CreditCode(CreditCodeError::Format) => "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）".into(),
            ApplicantError::CreditCode(CreditCodeError::CheckCharacter) => "统一社会信用代码校验位不正确，请核对后重新输入".into(),
        }
    }
}

impl Applicant {
    /// Validates and normalises an applicant; the id number must fit the kind.
    pub fn parse(kind: ApplicantKind, name: &str, id_number: &str, phone: &str, address: &str) -> Result<Applicant, ApplicantError> {
        let name = crate::text::normalize_name(name);
        if name.is_empty() {
            return Err(ApplicantError::Name);
        }
        let id_number = match kind {
            ApplicantKind::Person => IdNumber::parse(id_number)?.as_str().to_string(),
            ApplicantKind::Organisation => CreditCode::parse(id_number)?.as_str().to_string(),
        };
        Ok(Applicant { kind, name, id_number, phone: phone.trim().into(), address: address.trim().into() })
    }

    /// The name as public pages show it: 张* / 张*明, organisations in full.
    pub fn masked_name(&self) -> String {
        if self.kind == ApplicantKind::Organisation {
            return self.name.clone();
        }
        let chars: Vec<char> = self.name.chars().collect();
        match chars.len() {
            0 | 1 => "*".into(),
            2 => format!("{}*", chars[0]),
            n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
        }
    }
}

/// How the application reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网上申请 by the applicant.
    Online,
    /// 窗口受理: registered by a clerk.
    Window,
    /// 代办: an agent applies on the applicant's behalf.
    Agent,
    /// 自助终端.
    Kiosk,
}

impl Channel {
    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Online => "网上申请",
            Channel::Window => "窗口申请",
            Channel::Agent => "代办",
            Channel::Kiosk => "自助终端",
        }
    }

    /// Every channel.
    pub const ALL: [Channel; 4] = [Channel::Online, Channel::Window, Channel::Agent, Channel::Kiosk];

    /// The channel of a code; `None` for an unknown one.
    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Window => "window",
            Channel::Agent => "agent",
            Channel::Kiosk => "kiosk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_are_validated_by_kind() {
        let p = Applicant::parse(ApplicantKind::Person, " 张三丰 ", "11010519491231002x", "", "").unwrap();
        assert_eq!((p.name.as_str(), p.id_number.as_str()), ("张三丰", "11010519491231002X"));
        assert_eq!(p.masked_name(), "张*丰");
        let err = Applicant::parse(ApplicantKind::Person, "张三", "110105194912310021", "", "").unwrap_err();
        assert_eq!(err, ApplicantError::IdNumber(IdNumberError::CheckCharacter));
        assert!(err.message_zh().contains("校验位"));
        // A credit code is not an identity number.
        assert!(Applicant::parse(ApplicantKind::Person, "某公司", "91350100M000100Y43", "", "").is_err());
        let o = Applicant::parse(ApplicantKind::Organisation, "某某餐饮有限公司", "91350100m000100y43", "", "").unwrap();
        assert_eq!(o.masked_name(), "某某餐饮有限公司");
        assert_eq!(Applicant::parse(ApplicantKind::Person, "", "11010519491231002X", "", ""), Err(ApplicantError::Name));
        assert_eq!(Applicant::parse(ApplicantKind::Person, "李四", "11010519491231002X", "", "").unwrap().masked_name(), "李*");
    }

    #[test]
    fn channel_codes_are_their_serde_names() {
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
            assert_eq!(Channel::parse(c.code()), Some(c));
        }
        assert_eq!(Channel::parse("web"), None);
    }
}
