//! The case API: materials, submission, reading and listing cases, the window's and the back
//! office's actions, the audit log of a case, documents, and public tracking.

use super::service::{
    ActionBody, ActionResult, SubmitCase, SubmittedView, TrackView, acting_role, explain, load_detail, run, store_upload, submit,
    track_view,
};
use super::views::CaseView;
use crate::state::AppState;
use crate::web::auth::{CurrentUser, MaybeUser};
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use onewindow_core::case::CaseState;
use onewindow_core::case::clock::Explanation;
use onewindow_core::role::Permission;
use onewindow_store::{CaseEvent, CaseFilter, CaseSummary};
use serde::{Deserialize, Serialize};

/// A stored material.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialCreated {
    /// Identifier to attach to a case.
    pub id: i64,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size.
    pub size_bytes: i64,
    /// Detected type.
    pub content_type: String,
}

/// Uploads a material (multipart: `file`, `kind`). Any logged-in user; stored once per content.
#[utoipa::path(post, path = "/api/v1/materials", tag = "cases", security(("session" = ["upload_material"])),
    request_body(content = String, description = "multipart/form-data with `file` and `kind`", content_type = "multipart/form-data"),
    responses((status = 201, body = MaterialCreated), (status = 401, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn upload_material(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<MaterialCreated>), ApiError> {
    let (mut kind, mut file, mut file_name) = (String::new(), None, String::new());
    while let Some(field) =
        multipart.next_field().await.map_err(|e| ApiError::bad_request(format!("上传内容无法读取：{e}"), e.to_string()))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.map_err(|e| ApiError::bad_request("kind无法读取", e.to_string()))?,
            Some("file") => {
                file_name = field.file_name().unwrap_or("upload").to_string();
                file = Some(field.bytes().await.map_err(|e| {
                    ApiError::validation(
                        serde_json::json!([{"field": "file", "message_zh": "文件过大或上传中断", "message_en": e.to_string()}]),
                    )
                })?);
            }
            _ => {}
        }
    }
    let Some(bytes) = file else {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "file", "message_zh": "请选择要上传的文件", "message_en": "no file"}]),
        ));
    };
    let m = store_upload(&state, &user, &kind, &file_name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(MaterialCreated { id: m.id, sha256: m.sha256, size_bytes: m.size_bytes, content_type: m.content_type })))
}

/// Submits an application. Send an `Idempotency-Key` header: a retry with the same key returns
/// the first case (200) instead of making a second one (201).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("session" = ["apply"])), request_body = SubmitCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = SubmittedView), (status = 200, body = SubmittedView), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitCase>,
) -> Result<(StatusCode, Json<SubmittedView>), ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (view, created) = submit(&state, &user, body, key).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)))
}

/// Reads a case: state, dates, tasks, materials, inspections, documents.
#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases", security(("session" = [])), params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = CaseView), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem)))]
pub async fn get_case(State(state): State<AppState>, user: CurrentUser, Path(number): Path<String>) -> Result<Json<CaseView>, ApiError> {
    let detail = load_detail(&state, &user, &number).await?;
    Ok(Json(CaseView::of(&user, detail, &state.calendar.get())))
}

/// Why this due date: when counting started and why, each holiday and weekend skipped, each
/// adjusted working day counted, each pause with its reason and length, any extension, the
/// days used and remaining, and the warning level — with the same in plain Chinese.
#[utoipa::path(get, path = "/api/v1/cases/{number}/deadline", tag = "cases", security(("session" = [])), params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = Explanation), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem)))]
pub async fn case_deadline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Explanation>, ApiError> {
    let detail = load_detail(&state, &user, &number).await?;
    explain(&state, &detail.case)?
        .map(Json)
        .ok_or_else(|| ApiError::conflict("办件尚未受理，办理时限尚未开始计算", "the case is not accepted; no time limit runs yet"))
}

/// A case's audit log (staff and auditors; not applicants).
#[utoipa::path(get, path = "/api/v1/cases/{number}/events", tag = "cases", security(("session" = ["read_cases"])), params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = Vec<Object>), (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem)))]
pub async fn list_case_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Vec<CaseEvent>>, ApiError> {
    let detail = load_detail(&state, &user, &number).await?;
    Ok(Json(state.store.case_events(&detail.case.number).await?))
}

/// Case list filters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// State code.
    pub state: Option<String>,
    /// Handling department code.
    pub department: Option<String>,
    /// Item code.
    pub item: Option<String>,
    /// Applicant id number or name.
    pub applicant: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Submitted on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
    /// Cursor: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// Cases, newest first.
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<CaseSummary>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

fn date_param(field: &str, v: &Option<String>) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<jiff::civil::Date>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| ApiError::bad_request(format!("{field}应为YYYY-MM-DD格式的日期"), format!("{field} must be YYYY-MM-DD"))),
    }
}

/// Lists cases, newest first, scoped by role: applicants see their own, departmental
/// supervisors their department's, other staff all.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("session" = [])), params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 400, body = crate::web::problem::Problem), (status = 401, body = crate::web::problem::Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<CaseList>, ApiError> {
    let mut f = CaseFilter {
        state: match q.state.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                CaseState::parse(s).ok_or_else(|| ApiError::bad_request(format!("未知的办件状态“{s}”"), format!("unknown state {s:?}")))?,
            ),
        },
        department: q.department.filter(|s| !s.is_empty()),
        item: q.item.filter(|s| !s.is_empty()),
        applicant: q.applicant.filter(|s| !s.is_empty()),
        from: date_param("from", &q.from)?,
        to: date_param("to", &q.to)?,
        before: q.cursor.filter(|s| !s.is_empty()),
        ..Default::default()
    };
    if !user.can(Permission::ReadCases) {
        if user.can(Permission::ReadDepartmentCases) {
            f.department = user.user.department_code.clone();
        } else {
            f.applicant_user_id = Some(user.user.id);
        }
    }
    let limit = q.limit.unwrap_or(50);
    let cases = state.store.list_cases(&f, limit).await?;
    let next_cursor =
        (cases.len() as i64 == limit.clamp(1, onewindow_store::CASE_PAGE_MAX)).then(|| cases.last().map(|c| c.number.clone())).flatten();
    Ok(Json(CaseList { cases, next_cursor }))
}

/// Acts on a case: `accept`, `accept-with-deficiency`, `request-correction`, `resubmit`,
/// `refuse`, `withdraw`, `decide`, `forward`, `record-reply`, `deliver`, `confirm-receipt`,
/// and on its time limit: `pause` (`kind`, `reason`), `resume`, `extend` (`days`, `reason`;
/// the bureau's leader, once, within the legal limit).
/// An action the case's state does not allow is 409 naming the state and the action.
#[utoipa::path(post, path = "/api/v1/cases/{number}/{action}", tag = "cases", security(("session" = [])),
    params(("number" = String, Path, description = "Case number"), ("action" = String, Path, description = "accept | accept-with-deficiency | request-correction | resubmit | refuse | withdraw | decide | forward | record-reply | deliver | confirm-receipt | pause | resume | extend")),
    request_body = ActionBody,
    responses((status = 200, body = ActionResult), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn act_on_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((number, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ActionResult>, ApiError> {
    // Who may act comes before what they sent: a role without the action's permission gets
    // 403 whatever the body holds.
    let role = acting_role(&user, &action)?;
    let body: ActionBody = crate::web::extract::json_or_empty(&body)?;
    let after = run(&state, &user, role, &number, &action, body).await?;
    Ok(Json(after.into()))
}

/// Tracking parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// Case number.
    pub number: String,
    /// Query code from the notice.
    pub code: String,
}

/// Public progress of a case by number and query code (no log-in).
#[utoipa::path(get, path = "/api/v1/track", tag = "cases", security(()), params(TrackQuery),
    responses((status = 200, body = TrackView), (status = 404, body = crate::web::problem::Problem)))]
pub async fn track(
    State(state): State<AppState>,
    _user: MaybeUser,
    ApiQuery(q): ApiQuery<TrackQuery>,
) -> Result<Json<TrackView>, ApiError> {
    track_view(&state, &q.number, &q.code)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("办件编号或查询码不正确", "no case with that number and query code"))
}

/// A printable notice or decision of the case as an A4 PDF: `acceptance-notice`,
/// `deficiency-notice`, `correction-notice`, `refusal-decision`, `denial-decision`.
#[utoipa::path(get, path = "/api/v1/cases/{number}/documents/{file}", tag = "cases", security(("session" = [])),
    params(("number" = String, Path, description = "Case number"), ("file" = String, Path, description = "`{kind}.pdf`")),
    responses((status = 200, description = "application/pdf"), (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem)))]
pub async fn get_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((number, file)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let pdf = crate::cases::documents::render(&state, &user, &number, &file).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}
