//! "Now", as a value the server is given, so that tests can set the time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The source of the current instant.
#[derive(Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// A clock set by tests (microseconds since the epoch), advanced by hand.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// A test clock set to `at`.
    pub fn fixed(at: jiff::Timestamp) -> Clock {
        Clock::Fixed(Arc::new(AtomicI64::new(at.as_microsecond())))
    }

    /// The current instant.
    pub fn now(&self) -> jiff::Timestamp {
        match self {
            Clock::System => jiff::Timestamp::now(),
            Clock::Fixed(us) => jiff::Timestamp::from_microsecond(us.load(Ordering::SeqCst)).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    /// Moves a test clock forward; does nothing to the system clock.
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Fixed(us) = self {
            us.fetch_add(by.as_micros() as i64, Ordering::SeqCst);
        }
    }

    /// Today's date in Beijing time (Asia/Shanghai, UTC+8 without daylight saving).
    pub fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date()
    }
}
