//! The main navigation. Each feature room names its entries (`nav()` in its `mod.rs`); the
//! application installs them once at start-up, and every page shows those its user may use.

use crate::web::access::Access;
use crate::web::auth::CurrentUser;
use std::sync::OnceLock;

/// A link in the main navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    /// Position, smaller first.
    pub order: u16,
    /// Target.
    pub href: &'static str,
    /// Chinese label.
    pub label: &'static str,
    /// Who sees it: the same rule as the route it leads to.
    pub shown_to: Access,
}

/// A link as a page shows it.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Target.
    pub href: &'static str,
    /// Chinese label.
    pub label: &'static str,
}

static ENTRIES: OnceLock<Vec<NavEntry>> = OnceLock::new();

/// Installs the entries of every room (the first call wins; the entries do not change while
/// the process runs).
pub fn install(mut entries: Vec<NavEntry>) {
    entries.sort_by_key(|e| e.order);
    let _ = ENTRIES.set(entries);
}

/// The links `user` sees.
pub fn links_for(user: Option<&CurrentUser>) -> Vec<NavLink> {
    let roles = user.map(|u| u.user.roles.as_slice());
    ENTRIES
        .get()
        .map(|entries| entries.iter().filter(|e| e.shown_to.admits(roles)).map(|e| NavLink { href: e.href, label: e.label }).collect())
        .unwrap_or_default()
}
