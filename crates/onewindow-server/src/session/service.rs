//! What the session API and the administration share: a user as the API shows them.

use onewindow_core::role::Role;
use onewindow_store::User;
use serde::Serialize;

/// The logged-in user as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Identifier.
    pub id: i64,
    /// Log-in name.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department code of a staff user.
    pub department: Option<String>,
    /// Service point of a staff user.
    pub service_point_id: Option<i64>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.clone(),
            department: u.department_code.clone(),
            service_point_id: u.service_point_id,
        }
    }
}
