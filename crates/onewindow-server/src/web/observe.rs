//! Operability: a request id on every response, structured request logs, Prometheus metrics,
//! problem documents that name their request path, and security headers.

use crate::state::AppState;
use crate::web::problem::ProblemMarker;
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const PROBLEM_BYTES_MAX: usize = 1 << 20;

/// Request ids: a per-process random prefix and a counter, short and unique enough to grep.
#[derive(Clone)]
struct NextId {
    prefix: u32,
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

impl MakeRequestId for NextId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Several apps in one test process share the first recorder.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Wraps the router in the common layers.
pub fn layers(router: Router, state: AppState) -> Router {
    prometheus();
    router
        .layer(middleware::from_fn(problem_instance))
        .layer(middleware::from_fn_with_state(state, record_metrics))
        .layer(middleware::from_fn(security_headers))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, NextId { prefix: rand::random() }))
}

async fn record_metrics(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route).record(start.elapsed().as_secs_f64());
    response
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
    response
}

/// Fills in `instance` (the request path) of problem documents.
async fn problem_instance(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    if response.extensions().get::<ProblemMarker>().is_none() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, PROBLEM_BYTES_MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("instance".into(), serde_json::Value::String(path));
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&doc).unwrap_or_default()))
}

/// `GET /metrics`: Prometheus text format, with the database pool's gauges.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (size, idle) = state.store.pool_stats();
    metrics::gauge!("db_pool_connections", "backend" => state.store.backend().name()).set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections", "backend" => state.store.backend().name()).set(idle as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], prometheus().render())
}
