//! Roles of onewindow's users and what each may do. The server checks a permission on every
//! route; this table is the one place that says who may do what.

use serde::{Deserialize, Serialize};

/// A role a user holds. A staff user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申请人: a citizen or an organisation's representative.
    Applicant,
    /// 综合窗口受理人员: accepts applications for every department (一窗受理).
    Clerk,
    /// 后台审查人员: examines cases in the back office.
    Reviewer,
    /// 分管领导: decides under delegated authority and applies the seal.
    Leader,
    /// 监管部门人员: receives approvals and inspects (审管联动).
    Supervisor,
    /// 电子监察人员: watches deadlines and accountability.
    Officer,
    /// 事项管理员: maintains the item catalogue.
    Cataloguer,
    /// 系统管理员: users, service points, calendar.
    Sysadmin,
    /// 审计管理员: reads the audit trail, changes nothing.
    Auditor,
}

/// Something a route may need. Checked by [`Role::grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create and edit items, transfer them, import the catalogue.
    EditCatalogue,
    /// Export the whole catalogue (including unpublished fields).
    ExportCatalogue,
    /// Create users and manage the organisation (departments, service points).
    ManageUsers,
    /// Read the audit trail.
    ReadAudit,
    /// Use the staff workspace at all (any role but applicant).
    StaffArea,
    /// Set days of the working-day calendar.
    ManageCalendar,
    /// Read the supervision centre: warnings, accountability, figures.
    Supervise,
    /// Confirm or excuse accountability records.
    ReviewAccountability,
}

impl Role {
    /// Every role, in the order shown to administrators.
    pub const ALL: [Role; 9] = [
        Role::Applicant,
        Role::Clerk,
        Role::Reviewer,
        Role::Leader,
        Role::Supervisor,
        Role::Officer,
        Role::Cataloguer,
        Role::Sysadmin,
        Role::Auditor,
    ];

    /// The role's code in JSON and the database; also the demo user's name.
    pub fn code(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Leader => "leader",
            Role::Supervisor => "supervisor",
            Role::Officer => "officer",
            Role::Cataloguer => "cataloguer",
            Role::Sysadmin => "sysadmin",
            Role::Auditor => "auditor",
        }
    }

    /// The Chinese name shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::Clerk => "综合窗口受理员",
            Role::Reviewer => "审查员",
            Role::Leader => "分管领导",
            Role::Supervisor => "监管部门人员",
            Role::Officer => "电子监察员",
            Role::Cataloguer => "事项管理员",
            Role::Sysadmin => "系统管理员",
            Role::Auditor => "审计管理员",
        }
    }

    /// Parses a role code.
    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == raw.trim())
    }

    /// Whether this role grants the permission. The auditor is read-only by design: it is
    /// granted reading the audit trail and nothing that writes.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            EditCatalogue => self == Role::Cataloguer,
            ExportCatalogue => matches!(self, Role::Cataloguer | Role::Sysadmin | Role::Auditor),
            ManageUsers => self == Role::Sysadmin,
            ReadAudit => matches!(self, Role::Auditor | Role::Sysadmin),
            StaffArea => self != Role::Applicant,
            ManageCalendar => self == Role::Sysadmin,
            Supervise => matches!(self, Role::Officer | Role::Leader),
            ReviewAccountability => self == Role::Officer,
        }
    }
}

/// Whether any of the roles grants the permission.
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_cataloguers_edit_the_catalogue() {
        for r in Role::ALL {
            assert_eq!(r.grants(Permission::EditCatalogue), r == Role::Cataloguer, "{r:?}");
        }
    }

    #[test]
    fn auditor_reads_but_writes_nothing() {
        assert!(Role::Auditor.grants(Permission::ReadAudit));
        for p in [Permission::EditCatalogue, Permission::ManageUsers] {
            assert!(!Role::Auditor.grants(p), "{p:?}");
        }
        assert!(!Role::Applicant.grants(Permission::StaffArea));
        assert!(!Role::Clerk.grants(Permission::ReadAudit));
    }

    #[test]
    fn supervision_is_for_officers_and_leaders() {
        for r in Role::ALL {
            assert_eq!(r.grants(Permission::Supervise), matches!(r, Role::Officer | Role::Leader), "{r:?}");
            assert_eq!(r.grants(Permission::ReviewAccountability), r == Role::Officer, "{r:?}");
            assert_eq!(r.grants(Permission::ManageCalendar), r == Role::Sysadmin, "{r:?}");
        }
    }
}
