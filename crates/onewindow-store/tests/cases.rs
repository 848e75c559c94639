//! The case engine through `Store::submit_case` and `Store::run_command`, one test per backend:
//! what each write leaves on disk is what the core's `Change` listed.

use onewindow_core::calendar::Calendar;
use onewindow_core::case::{
    Applicant, ApplicantKind, Attachment, CaseError, CaseState, Channel, Command, DeliveryMethod, InspectionKind, Opinion, Outcome,
    TaskKind, TransitionError,
};
use onewindow_core::catalogue::{CatalogueFile, DepartmentRecord, HandlingType};
use onewindow_core::role::Role;
use onewindow_store::testing::fresh_store;
use onewindow_store::{
    Acted, Actor, Backend, CommandContext, CommandError, NewCase, NewMaterial, NewUser, Store, StoredItem, Submitted, TaskRecord,
};
use std::sync::Arc;

const APPLICANT_ID: &str = "11010519491231002X";
/// The food licence of `onewindow_core::testing`, and the same item approved on commitment (告知承诺).
const FOOD: &str = "010010010000";
const COMMITMENT: &str = "010010020000";

/// Tuesday 10 March 2026, 10:00 in Beijing.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 3, 10)
}

fn actor(username: &str, role: Role) -> Actor {
    Actor { username: username.into(), role: role.code().into(), at: "2026-03-10T02:00:00Z".parse().unwrap() }
}

/// A store with the bureau (`spj`) and the market regulator (`scjgj`), the two items, and one
/// user per role acting here.
struct Desk {
    store: Store,
    calendar: Arc<Calendar>,
    users: Vec<(String, Role, i64, Option<&'static str>)>,
}

impl Desk {
    async fn open(backend: Backend) -> Desk {
        let (store, _) = fresh_store(backend).await;
        let departments = [("spj", "示范区行政审批服务局", true), ("scjgj", "示范区市场监督管理局", false)]
            .into_iter()
            .map(|(code, name, is_bureau)| DepartmentRecord { code: code.into(), name: name.into(), credit_code: String::new(), is_bureau })
            .collect();
        let food = onewindow_core::testing::food_licence();
        let commitment = onewindow_core::catalogue::ItemSpec {
            code: COMMITMENT.into(),
            name: "食品经营许可（告知承诺）".into(),
            handling_type: HandlingType::Commitment,
            ..food.clone()
        };
        let file = CatalogueFile { departments, items: vec![food, commitment], ..Default::default() };
        store.import_catalogue(&file, "测试目录", &actor("cataloguer", Role::Cataloguer)).await.unwrap();
        let mut users = Vec::new();
        for (name, role, department) in [
            ("clerk", Role::Clerk, Some("spj")),
            ("clerk2", Role::Clerk, Some("spj")),
            ("reviewer", Role::Reviewer, Some("spj")),
            ("leader", Role::Leader, Some("spj")),
            ("supervisor", Role::Supervisor, Some("scjgj")),
        ] {
            let new = NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: "$argon2id$not-used".into(),
                roles: vec![role],
                department_code: department.map(String::from),
                service_point_id: None,
            };
            let user = store.create_user(&new, &actor("sysadmin", Role::Sysadmin)).await.unwrap();
            users.push((name.to_string(), role, user.id, department));
        }
        Desk { store, calendar: Arc::new(Calendar::china()), users }
    }

    fn user(&self, name: &str) -> (Role, i64, Option<&'static str>) {
        let (_, role, id, department) = self.users.iter().find(|u| u.0 == name).expect("a test user");
        (*role, *id, *department)
    }

    async fn item(&self, code: &str) -> StoredItem {
        self.store.item(code, None).await.unwrap().expect("imported")
    }

    /// Stores a material uploaded by the clerk.
    async fn upload(&self, kind: &str, content: &str) -> i64 {
        let m = NewMaterial {
            uploaded_by: self.user("clerk").1,
            kind,
            file_name: "scan.pdf",
            content_type: "application/pdf",
            content: content.as_bytes(),
        };
        self.store.store_material(&m, "2026-03-10T01:00:00Z".parse().unwrap()).await.unwrap().id
    }

    /// Submits an application for `code` at the window with `materials`.
    async fn submit(&self, code: &str, materials: &[Attachment], form: serde_json::Value) -> Submitted {
        let item = self.item(code).await;
        let applicant = Applicant::parse(ApplicantKind::Person, "张三", APPLICANT_ID, "13800000000", "示范大道1号").unwrap();
        let new = NewCase {
            item: &item.spec,
            item_version: item.version,
            applicant: &applicant,
            applicant_user_id: None,
            channel: Channel::Window,
            agent: "",
            service_point_id: None,
            first_clerk: "clerk",
            form: &form,
            materials,
            idempotency_key: None,
            query_code: "ABCD2345",
            region_code: "619901",
            today: today(),
            any_material: true,
        };
        self.store.submit_case(&new, &actor("clerk", Role::Clerk)).await.unwrap()
    }

    /// Runs `command` on case `number` as user `name`.
    async fn run(&self, name: &str, number: &str, command: Command) -> Result<Acted, CommandError> {
        let (role, user_id, department) = self.user(name);
        let a = actor(name, role);
        let cx = CommandContext { actor: &a, role, user_id, department, today: today(), calendar: self.calendar.clone() };
        self.store.run_command(number, &command, &cx).await
    }

    async fn tasks(&self, number: &str) -> Vec<TaskRecord> {
        self.store.case_tasks(number).await.unwrap()
    }

    /// Both materials of the food licence, uploaded.
    async fn both_materials(&self) -> Vec<Attachment> {
        vec![
            Attachment { requirement: "食品经营许可申请书".into(), material_id: self.upload("", "申请书").await },
            Attachment { requirement: "营业执照".into(), material_id: self.upload("business_licence", "营业执照").await },
        ]
    }
}

fn accept() -> Command {
    Command::Accept { comment: String::new() }
}

fn task_states(tasks: &[TaskRecord]) -> Vec<(TaskKind, &str)> {
    tasks.iter().map(|t| (t.kind, t.state.as_str())).collect()
}

onewindow_store::per_backend! {
    /// A verified material of the applicant is reused for a later application that leaves its
    /// requirement out; an unverified one is not.
    async fn submission_reuses_the_applicants_verified_materials(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;
        let licence = given[1].material_id;
        let first = desk.submit(FOOD, &given, serde_json::json!({})).await;
        assert_eq!(first.attached.as_deref(), Some(&["食品经营许可申请书".to_string(), "营业执照".to_string()][..]));
        let owned = desk.store.material(licence).await.unwrap().unwrap();
        assert_eq!(owned.owner_id_number.as_deref(), Some(APPLICANT_ID), "a material attached becomes the applicant's");

        // Not yet verified: a second application must give the licence itself.
        let form_only = [Attachment { requirement: "食品经营许可申请书".into(), material_id: given[0].material_id }];
        let early = desk.submit(FOOD, &form_only, serde_json::json!({})).await;
        assert_eq!(early.attached.as_deref(), Some(&["食品经营许可申请书".to_string()][..]), "an unverified material is not reused");

        desk.run("clerk", &first.number, accept()).await.unwrap();
        let later = desk.submit(FOOD, &form_only, serde_json::json!({})).await;
        assert_eq!(later.attached.as_deref(), Some(&["食品经营许可申请书".to_string(), "营业执照".to_string()][..]));
        let materials = desk.store.case_materials(&later.number).await.unwrap();
        let reused = materials.iter().find(|m| m.requirement == "营业执照").expect("the licence");
        assert_eq!((reused.material_id, reused.source.as_str()), (licence, "reused"));
        let events = desk.store.case_events(&later.number).await.unwrap();
        assert_eq!(events[0].detail["materials"][1]["source"], "reused", "the first event records the reuse");
    }

    /// Acceptance marks the materials given verified by the accepting clerk; a verification
    /// already recorded stays the first clerk's.
    async fn acceptance_verifies_the_materials_given(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;
        let first = desk.submit(FOOD, &given, serde_json::json!({})).await;
        for a in &given {
            assert_eq!(desk.store.material(a.material_id).await.unwrap().unwrap().verified_by, None, "not before acceptance");
        }
        let acted = desk.run("clerk", &first.number, accept()).await.unwrap();
        assert_eq!(acted.case.state, CaseState::InReview);
        for a in &given {
            assert_eq!(desk.store.material(a.material_id).await.unwrap().unwrap().verified_by.as_deref(), Some("clerk"), "{}", a.requirement);
        }
        let second = desk.submit(FOOD, &given, serde_json::json!({})).await;
        desk.run("clerk2", &second.number, accept()).await.unwrap();
        for a in &given {
            assert_eq!(desk.store.material(a.material_id).await.unwrap().unwrap().verified_by.as_deref(), Some("clerk"), "kept");
        }
    }

    /// A closing write cancels the open review task and the open inspection; the later check of a
    /// 告知承诺 approval stays open after the case is closed, and can then be completed.
    async fn closing_cancels_open_work_but_keeps_the_post_check(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;

        let inspected = desk.submit(FOOD, &given, serde_json::json!({})).await;
        let acted = desk.run("clerk", &inspected.number, accept()).await.unwrap();
        assert_eq!(acted.open_tasks.len(), 1, "the first review step");
        let order = Command::OrderInspection { kind: InspectionKind::Independent, departments: vec![], note: "核查经营场所".into() };
        assert_eq!(desk.run("reviewer", &inspected.number, order).await.unwrap().case.state, CaseState::Inspecting);
        let withdrawn = desk.run("clerk", &inspected.number, Command::Withdraw { reason: "申请人不再经营".into() }).await.unwrap();
        assert_eq!(withdrawn.case.state, CaseState::Withdrawn);
        assert!(withdrawn.open_tasks.is_empty(), "{:?}", withdrawn.open_tasks);
        assert_eq!(task_states(&desk.tasks(&inspected.number).await), [(TaskKind::Step, "cancelled")]);
        let inspections = desk.store.case_inspections(&inspected.number).await.unwrap();
        assert_eq!(inspections.iter().map(|i| i.state.as_str()).collect::<Vec<_>>(), ["cancelled"]);

        let committed = desk.submit(COMMITMENT, &given, serde_json::json!({"commitment": true})).await;
        let acted = desk.run("clerk", &committed.number, accept()).await.unwrap();
        assert_eq!(acted.case.state, CaseState::Approved, "approved on the signed commitment");
        let post_check = acted.opened.iter().find(|(_, kind)| *kind == TaskKind::PostCheck).expect("a later check").0;
        let deliver = Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() };
        let closed = desk.run("clerk", &committed.number, deliver).await.unwrap();
        assert_eq!((closed.case.state, closed.open_tasks.as_slice()), (CaseState::Closed, &[post_check][..]));
        assert_eq!(task_states(&desk.tasks(&committed.number).await), [(TaskKind::PostCheck, "open")]);
        let check = Command::CompleteTask { task_id: post_check, opinion: Opinion::Approve, comment: "现场符合承诺".into() };
        let checked = desk.run("supervisor", &committed.number, check).await.unwrap();
        assert_eq!((checked.case.state, checked.open_tasks.len()), (CaseState::Closed, 0));
        assert_eq!(task_states(&desk.tasks(&committed.number).await), [(TaskKind::PostCheck, "done")]);
        assert_eq!(desk.store.verify_case_chains().await.unwrap().first_broken, None);
    }

    /// A command the core refuses writes nothing: no event, no task, the case as it was.
    async fn a_refused_command_writes_nothing(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;
        let case = desk.submit(FOOD, &given, serde_json::json!({})).await;
        let before = desk.store.case(&case.number).await.unwrap().unwrap();
        let err = desk.run("reviewer", &case.number, accept()).await.unwrap_err();
        assert!(matches!(err, CommandError::Case(CaseError::Role(Role::Reviewer))), "{err:?}");
        let deliver = Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() };
        let err = desk.run("clerk", &case.number, deliver).await.unwrap_err();
        assert!(
            matches!(err, CommandError::Case(CaseError::Transition(TransitionError::NotAllowed { state: CaseState::Submitted, .. }))),
            "{err:?}"
        );
        let after = desk.store.case(&case.number).await.unwrap().unwrap();
        assert_eq!((after.state, after.last_event_seq), (CaseState::Submitted, 1));
        assert_eq!(serde_json::to_value(&after).unwrap(), serde_json::to_value(&before).unwrap(), "the case row as it was");
        assert_eq!(desk.store.case_events(&case.number).await.unwrap().len(), 1);
        assert!(desk.tasks(&case.number).await.is_empty());
        for a in &given {
            assert_eq!(desk.store.material(a.material_id).await.unwrap().unwrap().verified_by, None);
        }
    }

    /// A decision needs the leader's delegated authority (授权): refused without it, nothing
    /// written; taken once it is granted.
    async fn a_decision_needs_delegated_authority(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;
        let case = desk.submit(FOOD, &given, serde_json::json!({})).await;
        let mut open = desk.run("clerk", &case.number, accept()).await.unwrap().open_tasks;
        for _ in 0..2 {
            let done = Command::CompleteTask { task_id: open[0], opinion: Opinion::Approve, comment: "符合条件".into() };
            open = desk.run("reviewer", &case.number, done).await.unwrap().open_tasks;
        }
        assert!(open.is_empty(), "both review steps done");
        let decide = || Command::Decide { outcome: Outcome::Approved, reason: String::new(), legal_basis: String::new() };
        let seq = desk.store.case(&case.number).await.unwrap().unwrap().last_event_seq;
        let err = desk.run("leader", &case.number, decide()).await.unwrap_err();
        assert!(matches!(err, CommandError::Case(CaseError::NotReady(..))), "{err:?}");
        assert_eq!(desk.store.case(&case.number).await.unwrap().unwrap().last_event_seq, seq, "nothing written");
        let leader = desk.user("leader").1;
        desk.store.grant_authority(leader, Some("spj"), "全部事项", "授权书〔2026〕1号", today(), &actor("sysadmin", Role::Sysadmin)).await.unwrap();
        let decided = desk.run("leader", &case.number, decide()).await.unwrap();
        assert_eq!((decided.case.state, decided.case.outcome), (CaseState::Approved, Some(onewindow_core::case::Outcome::Approved)));
        assert_eq!(decided.case.decided_by, "leader");
    }

    /// The case UPDATE is a compare-and-set on the last event: of simultaneous acceptances one
    /// wins; the others are decided again on the accepted case and refused, and write nothing.
    async fn simultaneous_commands_apply_one_after_the_other(backend) {
        let desk = Arc::new(Desk::open(backend).await);
        let given = desk.both_materials().await;
        let case = desk.submit(FOOD, &given, serde_json::json!({})).await;
        let mut racers = Vec::new();
        for clerk in ["clerk", "clerk2", "clerk", "clerk2"] {
            let (desk, number) = (desk.clone(), case.number.clone());
            racers.push(tokio::spawn(async move { desk.run(clerk, &number, accept()).await }));
        }
        let mut won = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Ok(acted) => {
                    won += 1;
                    assert_eq!(acted.case.state, CaseState::InReview);
                }
                Err(CommandError::Case(CaseError::Transition(TransitionError::NotAllowed { state: CaseState::InReview, .. }))) => {}
                Err(e) => panic!("a lost race is refused by the rules, not {e:?}"),
            }
        }
        assert_eq!(won, 1);
        let events = desk.store.case_events(&case.number).await.unwrap();
        assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["submit", "accept", "start_review"]);
        assert_eq!(task_states(&desk.tasks(&case.number).await), [(TaskKind::Step, "open")], "one review task");
        assert_eq!(desk.store.verify_case_chains().await.unwrap().first_broken, None);
    }

    /// The supervision tick raises an overdue case's warning once and names its desk and holder
    /// in the accountability record.
    async fn the_tick_holds_the_desk_of_an_overdue_case_accountable(backend) {
        let desk = Desk::open(backend).await;
        let given = desk.both_materials().await;
        let case = desk.submit(FOOD, &given, serde_json::json!({})).await;
        let acted = desk.run("clerk", &case.number, accept()).await.unwrap();
        let due: jiff::civil::Date = acted.case.due_date.unwrap();
        let first = Command::CompleteTask { task_id: acted.open_tasks[0], opinion: Opinion::Approve, comment: "符合条件".into() };
        desk.run("reviewer", &case.number, first).await.unwrap();
        let after_due = due.tomorrow().unwrap().at(10, 0, 0, 0).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).unwrap().timestamp();
        let report = desk.store.supervision_tick(after_due, &desk.calendar).await.unwrap();
        assert_eq!((report.examined, report.overdue, report.accountability), (1, 1, 1), "{report:?}");
        let record = desk.store.accountability_of_case(&case.number).await.unwrap().expect("a record");
        assert_eq!((record.department.as_str(), record.step.as_str(), record.holder.as_str()), ("spj", "核准", "reviewer"));
        assert_eq!(record.due_date, due.to_string());
        let again = desk.store.supervision_tick(after_due, &desk.calendar).await.unwrap();
        assert_eq!(again.examined, 0, "overdue is the last alarm");
        let events = desk.store.case_events(&case.number).await.unwrap();
        assert_eq!(events.last().map(|e| (e.action.as_str(), e.actor.as_str())), Some(("warn", "system")));
    }
}
