//! Authentication and roles: argon2 password hashes, opaque session tokens (stored only as
//! their SHA-256), a cookie for the browser and `Authorization: Bearer` for systems, a
//! log-in throttle, and the CSRF rule for cookie-authenticated writes.

use crate::state::AppState;
use crate::web::problem::ApiError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use onewindow_core::role::{Permission, Role};
use onewindow_store::User;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ow_session";
const TOKEN_BYTES: usize = 32;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    Argon2::default().hash_password_with_salt(password.as_bytes(), &salt_bytes).expect("argon2 hashes any password").to_string()
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A new random session token (URL-safe hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database stores of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session, put in every form the session's pages render.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(&Sha256::digest(format!("csrf:{session_token}").as_bytes())[..16])
}

/// The session token a request carries, and whether it came as a cookie.
pub fn presented_token(parts: &Parts) -> Option<(String, bool)> {
    if let Some(bearer) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) {
        return Some((bearer.trim().to_string(), false));
    }
    cookie_value(parts, SESSION_COOKIE).map(|t| (t, true))
}

/// A cookie's value.
pub fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The logged-in user of a request, with the token they presented.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user.
    pub user: User,
    /// Their session token.
    pub token: String,
    /// Whether it came as a cookie (then writes need CSRF protection).
    pub via_cookie: bool,
}

impl CurrentUser {
    /// The role the user acts in to use `permission` ([`onewindow_core::role::acting_role`]),
    /// or 403 naming what they may not do.
    pub fn require(&self, permission: Permission) -> Result<Role, ApiError> {
        onewindow_core::role::acting_role(&self.user.roles, permission).ok_or_else(|| {
            let (zh, en) = permission.what();
            ApiError::forbidden(zh, en)
        })
    }

    /// Whether the user holds a role granting `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.user.roles.iter().any(|r| r.grants(permission))
    }
}

/// Resolves the session of a request, if any. Errors only when the database fails.
pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, ApiError> {
    // The access layer resolves the session before the handler; reuse what it found.
    if let Some(Resolved(user)) = parts.extensions.get::<Resolved>() {
        return Ok(user.clone());
    }
    let Some((token, via_cookie)) = presented_token(parts) else {
        return Ok(None);
    };
    let user = state.store.session_user(&token_hash(&token), state.clock.now()).await?;
    Ok(user.map(|user| CurrentUser { user, token, via_cookie }))
}

/// The session a request presented, as the access layer resolved it (kept in the request's
/// extensions so the handler's extractors do not look it up again).
#[derive(Debug, Clone)]
pub struct Resolved(pub Option<CurrentUser>);

/// A request that must be logged in: 401 otherwise. Cookie-authenticated writes to the API
/// must be JSON (a cross-site form cannot send that without a CORS preflight we never grant).
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = resolve(parts, state).await?.ok_or_else(ApiError::unauthenticated)?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if user.via_cookie && unsafe_method && parts.uri.path().starts_with("/api/") {
            let json =
                parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
            let multipart =
                parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
            let same_origin =
                parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_none_or(|v| v == "same-origin" || v == "none");
            if !(json || (multipart && same_origin)) && parts.method != Method::DELETE {
                return Err(ApiError::forbidden(
                    "以此方式提交（浏览器会话须使用JSON）",
                    "submit this way (browser sessions must send JSON)",
                ));
            }
        }
        Ok(user)
    }
}

/// A request that may be logged in.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(resolve(parts, state).await?))
    }
}

/// Checks a username and password; on success opens a session and returns the user and the
/// new token. Failures are counted and recorded in the audit trail.
pub async fn log_in(
    state: &AppState,
    username: &str,
    password: &str,
    kind: onewindow_store::SessionKind,
) -> Result<(User, String, jiff::Timestamp), ApiError> {
    let now = state.clock.now();
    let username = username.trim();
    if let Some(minutes) = state.throttle.locked_minutes(username, now) {
        return Err(ApiError::throttled(minutes));
    }
    let found = state.store.user_for_login(username).await?;
    // Verify against a dummy hash when the user does not exist, so timing does not reveal it.
    let ok = match &found {
        Some((user, hash)) => verify_password(password, hash) && !user.disabled,
        None => {
            verify_password(password, DUMMY_HASH.get_or_init(|| hash_password("dummy")));
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        state.throttle.failed(username, now);
        let actor = onewindow_store::Actor { username: username.to_string(), role: "anonymous".into(), at: now };
        state.store.record(&actor, "session.failed", username, serde_json::json!({})).await?;
        return Err(ApiError {
            status: axum::http::StatusCode::UNAUTHORIZED,
            kind: "bad-credentials",
            title: "用户名或密码错误",
            title_en: "Wrong username or password",
            detail: "用户名或密码错误，请重新输入".into(),
            detail_en: "the username or password is wrong".into(),
            errors: None,
        });
    };
    state.throttle.succeeded(username);
    let token = new_token();
    let expires = now.checked_add(jiff::SignedDuration::from_hours(state.settings.session_hours)).expect("session end within range");
    let role = user.roles.first().map(|r| r.code()).unwrap_or("none");
    let actor = onewindow_store::Actor { username: user.username.clone(), role: role.into(), at: now };
    state.store.create_session(&token_hash(&token), &user, kind, expires, &actor).await?;
    Ok((user, token, expires))
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The `Set-Cookie` value that opens a browser session.
pub fn session_cookie(token: &str, hours: i64, secure: bool) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", hours * 3600, if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::throttle::LoginThrottle;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn throttle_locks_after_five_failures_and_unlocks_later() {
        let t = LoginThrottle::default();
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        for _ in 0..4 {
            t.failed("clerk", now);
        }
        assert_eq!(t.locked_minutes("clerk", now), None);
        t.failed("clerk", now);
        assert_eq!(t.locked_minutes("clerk", now), Some(15));
        let later = now.checked_add(jiff::SignedDuration::from_mins(16)).unwrap();
        assert_eq!(t.locked_minutes("clerk", later), None);
        t.succeeded("clerk");
        assert_eq!(t.locked_minutes("clerk", now), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_ne!(csrf_token(&a), csrf_token(&b));
    }
}
