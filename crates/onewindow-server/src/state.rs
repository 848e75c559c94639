//! What every handler can reach.

use crate::catalogue::cache::CatalogueCache;
use crate::clock::Clock;
use crate::web::throttle::LoginThrottle;
use onewindow_store::Store;
use std::sync::Arc;

/// Settings from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// How often the supervision worker looks for due alarms (zero: never).
    pub supervision_every: std::time::Duration,
    /// How long a session lasts.
    pub session_hours: i64,
    /// Public base URL, used in QR codes and links in documents.
    pub public_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            supervision_every: std::time::Duration::from_secs(30),
            secure_cookies: false,
            session_hours: 12,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Shared state of the server. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The current catalogue and its search index.
    pub catalogue: Arc<CatalogueCache>,
    /// The time.
    pub clock: Clock,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Failed log-in counter.
    pub throttle: Arc<LoginThrottle>,
    /// The working-day calendar in force.
    pub calendar: Arc<crate::calendar::cell::CalendarCell>,
    /// The courier for express delivery (a local implementation unless configured).
    pub courier: Arc<dyn crate::cases::courier::Courier>,
}

impl AppState {
    /// State over a store, with the given clock and settings.
    pub fn new(store: Store, clock: Clock, settings: Settings) -> AppState {
        AppState {
            store,
            catalogue: Arc::new(CatalogueCache::default()),
            clock,
            settings: Arc::new(settings),
            throttle: Arc::new(LoginThrottle::default()),
            calendar: Arc::new(crate::calendar::cell::CalendarCell::default()),
            courier: Arc::new(crate::cases::courier::LocalCourier::default()),
        }
    }

    /// An actor record for `user` acting now in `role`.
    pub fn actor(&self, user: &onewindow_store::User, role: onewindow_core::role::Role) -> onewindow_store::Actor {
        onewindow_store::Actor { username: user.username.clone(), role: role.code().into(), at: self.clock.now() }
    }
}
