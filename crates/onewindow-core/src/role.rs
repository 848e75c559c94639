//! Roles of onewindow's users and what each may do and see. This table is the one place that
//! says so: the case commands (`case::execute`), the server's routes, the role a user acts in,
//! the task list and the page buttons all ask [`Role::grants`].

use serde::{Deserialize, Serialize};

/// A role a user holds. A staff user may hold several, but never two of the three
/// administrator roles (三员分立, see [`separation_conflict`]).
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
    /// 系统管理员: users, service points, calendar. Not the audit trail, not roles.
    Sysadmin,
    /// 安全管理员: roles of users, lock-outs, the log-in policy.
    #[serde(rename = "secadmin")]
    SecurityAdmin,
    /// 审计管理员: reads the audit trail, changes nothing.
    Auditor,
}

/// Something a route or a command needs. Granted by [`Role::grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create and edit items, transfer them, import the catalogue.
    EditCatalogue,
    /// Export the whole catalogue (including unpublished fields).
    ExportCatalogue,
    /// Create users and manage the organisation (departments, service points).
    ManageUsers,
    /// Change the roles of users (security administrator).
    ManageRoles,
    /// See and lift log-in lock-outs (security administrator).
    ManageLockouts,
    /// Read the audit trail and verify its chain.
    ReadAudit,
    /// Use the staff workspace at all (any role but applicant).
    StaffArea,
    /// Set days of the working-day calendar.
    ManageCalendar,
    /// Read the supervision centre: warnings, accountability, figures.
    Supervise,
    /// Confirm or excuse accountability records.
    ReviewAccountability,
    /// Apply: submit an application (an applicant online, a clerk at the window).
    Apply,
    /// Upload a material (applications, corrections, inspection photos).
    UploadMaterial,
    /// List one's own applications (我的办件).
    ListOwnCases,
    /// Read cases of every department (one window serves all).
    ReadCases,
    /// Read the cases of one's own department (a supervising department's staff).
    ReadDepartmentCases,
    /// Use the window workstation (综合窗口).
    WindowDesk,
    /// Accept, accept with deficiency, request a correction, refuse (窗口受理).
    AcceptAtWindow,
    /// Supply materials: a resubmission after a correction notice or owed materials.
    SupplyMaterials,
    /// Withdraw an application.
    WithdrawCase,
    /// Complete a step of the item's process (审查).
    ExamineStep,
    /// Give or record a joint-review opinion (联审意见).
    GiveOpinion,
    /// Carry out the later check of a 告知承诺 approval (事后核查).
    CheckAfterApproval,
    /// Order a site inspection.
    OrderInspection,
    /// Record a site inspection's findings.
    RecordInspection,
    /// Decide a case, or forward it to the higher level (needs delegated authority too).
    Decide,
    /// Record the higher level's reply to a forwarded case.
    RecordReply,
    /// Deliver the result and confirm its receipt.
    DeliverResult,
    /// Pause and resume the time-limit clock.
    PauseClock,
    /// Grant the statutory extension (needs delegated authority too).
    ExtendTimeLimit,
    /// Work on back-office tasks (待办任务).
    WorkTasks,
    /// See a case's personal data unmasked (身份证号, phone, address) — the window and the
    /// case's handlers; an applicant sees their own.
    SeePersonalData,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 31] = [
        Permission::EditCatalogue,
        Permission::ExportCatalogue,
        Permission::ManageUsers,
        Permission::ManageRoles,
        Permission::ManageLockouts,
        Permission::ReadAudit,
        Permission::StaffArea,
        Permission::ManageCalendar,
        Permission::Supervise,
        Permission::ReviewAccountability,
        Permission::Apply,
        Permission::UploadMaterial,
        Permission::ListOwnCases,
        Permission::ReadCases,
        Permission::ReadDepartmentCases,
        Permission::WindowDesk,
        Permission::AcceptAtWindow,
        Permission::SupplyMaterials,
        Permission::WithdrawCase,
        Permission::ExamineStep,
        Permission::GiveOpinion,
        Permission::CheckAfterApproval,
        Permission::OrderInspection,
        Permission::RecordInspection,
        Permission::Decide,
        Permission::RecordReply,
        Permission::DeliverResult,
        Permission::PauseClock,
        Permission::ExtendTimeLimit,
        Permission::WorkTasks,
        Permission::SeePersonalData,
    ];

    /// The permission's code: the scope named in the OpenAPI document's security requirements.
    pub fn code(self) -> &'static str {
        use Permission::*;
        match self {
            EditCatalogue => "edit_catalogue",
            ExportCatalogue => "export_catalogue",
            ManageUsers => "manage_users",
            ManageRoles => "manage_roles",
            ManageLockouts => "manage_lockouts",
            ReadAudit => "read_audit",
            StaffArea => "staff_area",
            ManageCalendar => "manage_calendar",
            Supervise => "supervise",
            ReviewAccountability => "review_accountability",
            Apply => "apply",
            UploadMaterial => "upload_material",
            ListOwnCases => "list_own_cases",
            ReadCases => "read_cases",
            ReadDepartmentCases => "read_department_cases",
            WindowDesk => "window_desk",
            AcceptAtWindow => "accept_at_window",
            SupplyMaterials => "supply_materials",
            WithdrawCase => "withdraw_case",
            ExamineStep => "examine_step",
            GiveOpinion => "give_opinion",
            CheckAfterApproval => "check_after_approval",
            OrderInspection => "order_inspection",
            RecordInspection => "record_inspection",
            Decide => "decide",
            RecordReply => "record_reply",
            DeliverResult => "deliver_result",
            PauseClock => "pause_clock",
            ExtendTimeLimit => "extend_time_limit",
            WorkTasks => "work_tasks",
            SeePersonalData => "see_personal_data",
        }
    }

    /// Parses a permission code.
    pub fn parse(raw: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.code() == raw)
    }

    /// What a refusal tells the user they may not do, in Chinese and English.
    pub fn what(self) -> (&'static str, &'static str) {
        use Permission::*;
        match self {
            EditCatalogue => ("维护事项目录", "edit the catalogue"),
            ExportCatalogue => ("导出事项目录", "export the catalogue"),
            ManageUsers => ("管理用户和机构", "manage users and the organisation"),
            ManageRoles => ("分配用户角色", "change users' roles"),
            ManageLockouts => ("管理登录锁定", "manage log-in lock-outs"),
            ReadAudit => ("查看审计日志", "read the audit trail"),
            StaffArea => ("使用工作人员功能", "use the staff area"),
            ManageCalendar => ("维护工作日历", "manage the working-day calendar"),
            Supervise => ("查看电子监察", "read the supervision centre"),
            ReviewAccountability => ("审核问责记录", "review accountability records"),
            Apply => ("提交申请（仅申请人或综合窗口）", "submit applications (applicants and window clerks only)"),
            UploadMaterial => ("上传材料", "upload materials"),
            ListOwnCases => ("查看我的办件", "list your own cases"),
            ReadCases => ("查看办件", "read cases"),
            ReadDepartmentCases => ("查看本部门办件", "read your department's cases"),
            WindowDesk => ("使用综合窗口", "use the window desk"),
            AcceptAtWindow => ("窗口受理", "accept at the window"),
            SupplyMaterials => ("补交材料", "supply materials"),
            WithdrawCase => ("撤回申请", "withdraw applications"),
            ExamineStep => ("办理审查环节", "examine a step"),
            GiveOpinion => ("提出联审意见", "give a joint-review opinion"),
            CheckAfterApproval => ("办理事后核查", "carry out the later check"),
            OrderInspection => ("安排现场核查", "order an inspection"),
            RecordInspection => ("录入现场核查结果", "record an inspection"),
            Decide => ("作出审批决定", "decide"),
            RecordReply => ("录入上级机关答复", "record the higher level's reply"),
            DeliverResult => ("送达办理结果", "deliver the result"),
            PauseClock => ("暂停或恢复计时", "pause or resume the clock"),
            ExtendTimeLimit => ("批准延期", "extend the time limit"),
            WorkTasks => ("查看后台任务", "read back-office tasks"),
            SeePersonalData => ("查看个人信息", "see personal data"),
        }
    }
}

impl Role {
    /// Every role, in the order shown to administrators; also the order in which a user with
    /// several roles is taken to act ([`acting_role`]).
    pub const ALL: [Role; 10] = [
        Role::Applicant,
        Role::Clerk,
        Role::Reviewer,
        Role::Leader,
        Role::Supervisor,
        Role::Officer,
        Role::Cataloguer,
        Role::Sysadmin,
        Role::SecurityAdmin,
        Role::Auditor,
    ];

    /// The three administrator roles that GB/T 22239 level 3 keeps apart (三员分立).
    pub const ADMINISTRATORS: [Role; 3] = [Role::Sysadmin, Role::SecurityAdmin, Role::Auditor];

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
            Role::SecurityAdmin => "secadmin",
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
            Role::SecurityAdmin => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }

    /// Parses a role code.
    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == raw.trim())
    }

    /// Whether this role grants the permission: the table of who may do and see what. The
    /// auditor is read-only by design; the system administrator does not read the audit
    /// trail nor change roles (三员分立).
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            EditCatalogue => self == Cataloguer,
            ExportCatalogue => matches!(self, Cataloguer | Sysadmin | Auditor),
            ManageUsers => self == Sysadmin,
            ManageRoles | ManageLockouts => self == SecurityAdmin,
            ReadAudit => self == Auditor,
            StaffArea => self != Applicant,
            ManageCalendar => self == Sysadmin,
            Supervise => matches!(self, Officer | Leader),
            ReviewAccountability => self == Officer,
            Apply => matches!(self, Applicant | Clerk),
            UploadMaterial => matches!(self, Applicant | Clerk | Reviewer | Supervisor),
            ListOwnCases => self == Applicant,
            ReadCases => matches!(self, Clerk | Reviewer | Leader | Officer | Sysadmin | Auditor),
            ReadDepartmentCases => self == Supervisor,
            WindowDesk | AcceptAtWindow | DeliverResult => self == Clerk,
            SupplyMaterials | WithdrawCase => matches!(self, Applicant | Clerk),
            ExamineStep | OrderInspection => self == Reviewer,
            GiveOpinion | RecordInspection => matches!(self, Reviewer | Supervisor),
            CheckAfterApproval => self == Supervisor,
            Decide | ExtendTimeLimit => self == Leader,
            RecordReply => matches!(self, Reviewer | Leader),
            PauseClock => matches!(self, Clerk | Reviewer | Leader),
            WorkTasks => matches!(self, Reviewer | Leader | Supervisor | Officer),
            SeePersonalData => matches!(self, Clerk | Reviewer | Leader | Supervisor),
        }
    }
}

/// Whether any of the roles grants the permission.
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

/// The role a user holding `roles` acts in to use `permission`: the first of [`Role::ALL`]
/// that they hold and that grants it.
pub fn acting_role(roles: &[Role], permission: Permission) -> Option<Role> {
    Role::ALL.into_iter().find(|r| roles.contains(r) && r.grants(permission))
}

/// Two administrator roles that one account may not hold together (三员分立: the system,
/// security and audit administrators are separate people), if `roles` has them.
pub fn separation_conflict(roles: &[Role]) -> Option<(Role, Role)> {
    let held: Vec<Role> = Role::ADMINISTRATORS.into_iter().filter(|r| roles.contains(r)).collect();
    match held.as_slice() {
        [a, b, ..] => Some((*a, *b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.code()), "{r:?}");
        }
        assert_eq!(Role::parse("root"), None);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), serde_json::json!(p.code()), "{p:?}");
        }
    }

    /// The whole table, role by role: a change to who may do what shows here.
    #[test]
    fn the_table_of_who_may_do_what() {
        use Permission::*;
        let table: [(Role, &[Permission]); 10] = [
            (Role::Applicant, &[Apply, UploadMaterial, ListOwnCases, SupplyMaterials, WithdrawCase]),
            (
                Role::Clerk,
                &[
                    StaffArea,
                    Apply,
                    UploadMaterial,
                    ReadCases,
                    WindowDesk,
                    AcceptAtWindow,
                    SupplyMaterials,
                    WithdrawCase,
                    DeliverResult,
                    PauseClock,
                    SeePersonalData,
                ],
            ),
            (
                Role::Reviewer,
                &[
                    StaffArea,
                    UploadMaterial,
                    ReadCases,
                    ExamineStep,
                    GiveOpinion,
                    OrderInspection,
                    RecordInspection,
                    RecordReply,
                    PauseClock,
                    WorkTasks,
                    SeePersonalData,
                ],
            ),
            (
                Role::Leader,
                &[StaffArea, Supervise, ReadCases, Decide, RecordReply, PauseClock, ExtendTimeLimit, WorkTasks, SeePersonalData],
            ),
            (
                Role::Supervisor,
                &[
                    StaffArea,
                    UploadMaterial,
                    ReadDepartmentCases,
                    GiveOpinion,
                    CheckAfterApproval,
                    RecordInspection,
                    WorkTasks,
                    SeePersonalData,
                ],
            ),
            (Role::Officer, &[StaffArea, Supervise, ReviewAccountability, ReadCases, WorkTasks]),
            (Role::Cataloguer, &[EditCatalogue, ExportCatalogue, StaffArea]),
            (Role::Sysadmin, &[ExportCatalogue, ManageUsers, StaffArea, ManageCalendar, ReadCases]),
            (Role::SecurityAdmin, &[ManageRoles, ManageLockouts, StaffArea]),
            (Role::Auditor, &[ExportCatalogue, ReadAudit, StaffArea, ReadCases]),
        ];
        for (role, granted) in table {
            for p in Permission::ALL {
                assert_eq!(role.grants(p), granted.contains(&p), "{role:?} × {p:?}");
            }
        }
    }

    #[test]
    fn personal_data_is_for_the_window_and_the_handlers_only() {
        for r in [Role::Auditor, Role::Sysadmin, Role::Officer, Role::SecurityAdmin, Role::Cataloguer] {
            assert!(!r.grants(Permission::SeePersonalData), "{r:?}");
        }
    }

    #[test]
    fn the_three_administrators_are_kept_apart() {
        assert!(!Role::Sysadmin.grants(Permission::ReadAudit), "the system administrator loses the audit trail");
        assert!(!Role::Sysadmin.grants(Permission::ManageRoles));
        assert!(!Role::Auditor.grants(Permission::ManageUsers));
        assert_eq!(separation_conflict(&[Role::Sysadmin, Role::Auditor]), Some((Role::Sysadmin, Role::Auditor)));
        assert_eq!(separation_conflict(&[Role::SecurityAdmin, Role::Sysadmin]), Some((Role::Sysadmin, Role::SecurityAdmin)));
        assert_eq!(separation_conflict(&[Role::Auditor, Role::Reviewer]), None);
        assert_eq!(separation_conflict(&[Role::Sysadmin]), None);
        for a in Role::ADMINISTRATORS {
            for b in Role::ADMINISTRATORS {
                assert_eq!(separation_conflict(&[a, b]).is_some(), a != b, "{a:?} + {b:?}");
            }
        }
    }

    #[test]
    fn a_user_acts_in_the_first_role_that_grants() {
        assert_eq!(acting_role(&[Role::Reviewer, Role::Clerk], Permission::PauseClock), Some(Role::Clerk));
        assert_eq!(acting_role(&[Role::Supervisor], Permission::GiveOpinion), Some(Role::Supervisor));
        assert_eq!(acting_role(&[Role::Supervisor, Role::Reviewer], Permission::GiveOpinion), Some(Role::Reviewer));
        assert_eq!(acting_role(&[Role::Auditor], Permission::Decide), None);
    }
}
