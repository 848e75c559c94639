//! The organisation: region tree, departments, service points, users and their sessions.

use crate::audit::audit_append;
use crate::{Actor, Result, Store, StoreError, conflict_on_unique, time};
use onewindow_core::catalogue::DepartmentRecord;
use onewindow_core::region::Level;
use onewindow_core::role::Role;
use serde::Serialize;

/// A node of the region tree (市 › 区 › 镇街 › 村社区).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Division code (GB/T 2260 for city and district; 9 and 12 digits below).
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: Level,
    /// Parent's code; none for the root.
    pub parent_code: Option<String>,
}

/// A place where applications are taken: a hall, a town or village station, a kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePoint {
    /// Identifier.
    pub id: i64,
    /// Name (e.g. 示范区政务服务中心).
    pub name: String,
    /// `hall`, `station` or `kiosk`.
    pub kind: String,
    /// Region it serves.
    pub region_code: String,
    /// Street address.
    pub address: String,
}

/// A user as the rest of the platform sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Identifier.
    pub id: i64,
    /// Log-in name.
    pub username: String,
    /// Name shown in the UI and on documents.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Department of a staff user.
    pub department_code: Option<String>,
    /// Service point of a staff user.
    pub service_point_id: Option<i64>,
    /// Whether log-in is refused.
    pub disabled: bool,
}

/// A user to create. The password is hashed by the caller (argon2 in the server).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Log-in name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department of a staff user.
    pub department_code: Option<String>,
    /// Service point of a staff user.
    pub service_point_id: Option<i64>,
}

/// How a session token is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser cookie.
    Cookie,
    /// An `Authorization: Bearer` token for systems.
    Bearer,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

const USER_COLUMNS: &str = "id, username, display_name, roles, department_code, service_point_id, disabled";

/// A user row followed by the password hash.
type LoginRow = (i64, String, String, String, Option<String>, Option<i64>, bool, String);

type UserRow = (i64, String, String, String, Option<String>, Option<i64>, bool);

/// A user row followed by the session's expiry.
type SessionRow = (i64, String, String, String, Option<String>, Option<i64>, bool, i64);

/// How long a looked-up session is trusted without asking the database again.
pub const SESSION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const SESSION_CACHE_MAX: usize = 10_000;

/// Sessions looked up recently: token hash → user, session expiry (µs), when looked up.
#[derive(Default)]
pub(crate) struct SessionCache(std::sync::Mutex<std::collections::HashMap<String, (User, i64, std::time::Instant)>>);

impl SessionCache {
    fn get(&self, token_hash: &str, now_us: i64) -> Option<User> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token_hash).filter(|(_, expires, at)| *expires > now_us && at.elapsed() < SESSION_CACHE_TTL).map(|(u, _, _)| u.clone())
    }

    fn put(&self, token_hash: &str, user: &User, expires_us: i64) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SESSION_CACHE_MAX {
            map.retain(|_, (_, _, at)| at.elapsed() < SESSION_CACHE_TTL);
            if map.len() >= SESSION_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(token_hash.to_string(), (user.clone(), expires_us, std::time::Instant::now()));
    }

    fn remove(&self, token_hash: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(token_hash);
    }
}

fn user_from_row((id, username, display_name, roles, department_code, service_point_id, disabled): UserRow) -> User {
    User { id, username, display_name, roles: parse_roles(&roles), department_code, service_point_id, disabled }
}

impl Store {
    /// Inserts or renames a region.
    pub async fn upsert_region(&self, region: &Region, actor: &Actor) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO region (code, name, level, parent_code) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code",
            )
            .bind(&region.code)
            .bind(&region.name)
            .bind(region.level.code())
            .bind(&region.parent_code)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, backend, actor, "region.upsert", &region.code, region).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The region tree, top down.
    pub async fn regions(&self) -> Result<Vec<Region>> {
        let rows: Vec<(String, String, String, Option<String>)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT code, name, level, parent_code FROM region ORDER BY length(code), code").fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(code, name, level, parent_code)| Region {
                code,
                name,
                level: Level::parse_any(&level).unwrap_or(Level::Village),
                parent_code,
            })
            .collect())
    }

    /// Creates a service point and returns its id.
    pub async fn create_service_point(&self, name: &str, kind: &str, region_code: &str, address: &str, actor: &Actor) -> Result<i64> {
        let backend = self.backend();
        let id = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO service_point (name, kind, region_code, address) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(name)
                .bind(kind)
                .bind(region_code)
                .bind(address)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("service point {name}")))?;
            audit_append!(tx, backend, actor, "service_point.create", name, serde_json::json!({"id": id, "kind": kind, "region": region_code})).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Service point `id`, or with `None` the service hall: from the points this process has
    /// seen (a point never changes once created), read again when it is not among them.
    pub async fn service_point(&self, id: Option<i64>) -> Result<Option<ServicePoint>> {
        let find = |points: &[ServicePoint]| match id {
            Some(id) => points.iter().find(|p| p.id == id).cloned(),
            None => points.iter().find(|p| p.kind == "hall").cloned(),
        };
        if let Some(found) = find(&self.points.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(Some(found));
        }
        let points = self.service_points().await?;
        let found = find(&points);
        *self.points.write().unwrap_or_else(|p| p.into_inner()) = points;
        Ok(found)
    }

    /// Every service point.
    pub async fn service_points(&self) -> Result<Vec<ServicePoint>> {
        let rows: Vec<(i64, String, String, String, String)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT id, name, kind, region_code, address FROM service_point ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(id, name, kind, region_code, address)| ServicePoint { id, name, kind, region_code, address }).collect())
    }

    /// Every department, the approval bureau first.
    pub async fn departments(&self) -> Result<Vec<DepartmentRecord>> {
        let rows: Vec<(String, String, String, bool)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT code, name, credit_code, is_bureau FROM department ORDER BY is_bureau DESC, code").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(code, name, credit_code, is_bureau)| DepartmentRecord { code, name, credit_code, is_bureau }).collect())
    }

    /// Creates a user. Usernames are unique.
    pub async fn create_user(&self, new: &NewUser, actor: &Actor) -> Result<User> {
        let backend = self.backend();
        let id = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO app_user (username, display_name, password_hash, roles, department_code, service_point_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(roles_text(&new.roles))
            .bind(&new.department_code)
            .bind(new.service_point_id)
            .bind(time::to_micros(actor.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, || format!("username {}", new.username)))?;
            let detail = serde_json::json!({"id": id, "roles": roles_text(&new.roles), "department": new.department_code});
            audit_append!(tx, backend, actor, "user.create", &new.username, detail).await?;
            tx.commit().await?;
            id
        });
        self.user(id).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// Replaces the roles of a user (the security administrator's act, audited as
    /// `user.roles` with the roles before and after). Sessions keep working and see the new
    /// roles on their next lookup.
    pub async fn set_user_roles(&self, username: &str, roles: &[Role], actor: &Actor) -> Result<User> {
        let backend = self.backend();
        let id = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let before: Option<(i64, String)> = sqlx::query_as("SELECT id, roles FROM app_user WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id, before)) = before else {
                return Err(StoreError::NotFound(format!("user {username}")));
            };
            sqlx::query("UPDATE app_user SET roles = $1 WHERE id = $2").bind(roles_text(roles)).bind(id).execute(&mut *tx).await?;
            let detail = serde_json::json!({"id": id, "before": before, "after": roles_text(roles)});
            audit_append!(tx, backend, actor, "user.roles", username, detail).await?;
            tx.commit().await?;
            id
        });
        self.user(id).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let user = with_reader!(self, pool => {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"));
            sqlx::query_as::<_, UserRow>(sql).bind(id).fetch_optional(pool).await?.map(user_from_row)
        });
        Ok(user)
    }

    /// A user and their password hash, by username, for log-in.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let found = with_reader!(self, pool => {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE username = $1"));
            let row: Option<LoginRow> = sqlx::query_as(sql).bind(username).fetch_optional(pool).await?;
            row.map(|(a, b, c, d, e, f, g, hash)| (user_from_row((a, b, c, d, e, f, g)), hash))
        });
        Ok(found)
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<User>> {
        let users = with_reader!(self, pool => {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY username"));
            sqlx::query_as::<_, UserRow>(sql).fetch_all(pool).await?.into_iter().map(user_from_row).collect::<Vec<_>>()
        });
        Ok(users)
    }

    /// Number of users (zero on a fresh database).
    pub async fn user_count(&self) -> Result<i64> {
        Ok(with_reader!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(pool).await?))
    }

    /// Stores a session under the SHA-256 of its token (the token itself is never stored) and
    /// records the log-in in the audit trail.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: &User,
        kind: SessionKind,
        expires_at: jiff::Timestamp,
        actor: &Actor,
    ) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO user_session (token_hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(user.id)
                .bind(kind.code())
                .bind(time::to_micros(actor.at))
                .bind(time::to_micros(expires_at))
                .execute(&mut *tx)
                .await?;
            // Expired sessions are swept on each log-in so the table stays small.
            sqlx::query("DELETE FROM user_session WHERE expires_at < $1").bind(time::to_micros(actor.at)).execute(&mut *tx).await?;
            audit_append!(tx, backend, actor, "session.create", &user.username, serde_json::json!({"kind": kind.code()})).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user of a live session, or `None` when the token is unknown, expired or the user disabled.
    ///
    /// Every request asks this, so a found session is kept in memory for [`SESSION_CACHE_TTL`]
    /// (its expiry is still checked on each use). A log-out through this store ends it at once;
    /// one through another server process on the same database, within the TTL.
    pub async fn session_user(&self, token_hash: &str, now: jiff::Timestamp) -> Result<Option<User>> {
        let now_us = time::to_micros(now);
        if let Some(user) = self.sessions.get(token_hash, now_us) {
            return Ok(Some(user));
        }
        let found = with_reader!(self, pool => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {}, s.expires_at FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
            ));
            sqlx::query_as::<_, SessionRow>(sql).bind(token_hash).bind(now_us).fetch_optional(pool).await?
        });
        Ok(found.map(|(id, username, display_name, roles, department_code, service_point_id, disabled, expires_at)| {
            let user = user_from_row((id, username, display_name, roles, department_code, service_point_id, disabled));
            self.sessions.put(token_hash, &user, expires_at);
            user
        }))
    }

    /// Ends a session (log-out).
    pub async fn delete_session(&self, token_hash: &str, actor: &Actor) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            self.sessions.remove(token_hash);
            let n = sqlx::query("DELETE FROM user_session WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                audit_append!(tx, backend, actor, "session.delete", &actor.username, serde_json::json!({})).await?;
            }
            tx.commit().await?;
        });
        // Again after the commit: a request in between may have cached it anew.
        self.sessions.remove(token_hash);
        Ok(())
    }
}
