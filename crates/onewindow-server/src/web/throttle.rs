//! Failed log-ins per username, and the lock-out that follows them.

use std::collections::HashMap;
use std::sync::Mutex;

const FAILED_LOGINS_MAX: u32 = 5;
const LOCKOUT_MINUTES: i64 = 15;

/// Counts failed log-ins per username; after five within a quarter of an hour the username is
/// locked for a quarter of an hour. Per process: several servers each count on their own.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, jiff::Timestamp)>>,
}

impl LoginThrottle {
    /// Minutes left of a lock on `username`, if locked.
    pub fn locked_minutes(&self, username: &str, now: jiff::Timestamp) -> Option<i64> {
        let map = self.failures.lock().expect("throttle lock");
        let (count, since) = map.get(username)?;
        let elapsed = now.duration_since(*since).as_secs() / 60;
        (*count >= FAILED_LOGINS_MAX && elapsed < LOCKOUT_MINUTES).then(|| (LOCKOUT_MINUTES - elapsed).max(1))
    }

    /// Every username locked now, with the minutes left.
    pub fn locked(&self, now: jiff::Timestamp) -> Vec<(String, i64)> {
        let names: Vec<String> = self.failures.lock().expect("throttle lock").keys().cloned().collect();
        let mut locked: Vec<(String, i64)> = names.into_iter().filter_map(|n| self.locked_minutes(&n, now).map(|m| (n, m))).collect();
        locked.sort();
        locked
    }

    /// Records a failure.
    pub fn failed(&self, username: &str, now: jiff::Timestamp) {
        let mut map = self.failures.lock().expect("throttle lock");
        let entry = map.entry(username.to_string()).or_insert((0, now));
        if now.duration_since(entry.1).as_secs() / 60 >= LOCKOUT_MINUTES {
            *entry = (0, now);
        }
        entry.0 += 1;
        entry.1 = now;
    }

    /// Forgets failures after a success.
    pub fn succeeded(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(username);
    }
}
