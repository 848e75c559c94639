//! Instants are stored as microseconds since the Unix epoch in BIGINT columns on both backends.

/// Microseconds since the epoch of an instant.
pub fn to_micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

/// The instant of a stored microsecond count; out-of-range values (corruption) clamp to the epoch.
pub fn from_micros(us: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(us).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Beijing time (UTC+8, no daylight saving): time limits count in Beijing calendar days.
fn beijing_offset() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(8))
}

/// The Beijing local date and time of an instant.
pub fn beijing(t: jiff::Timestamp) -> jiff::civil::DateTime {
    t.to_zoned(beijing_offset()).datetime()
}

/// The instant a Beijing calendar day begins.
pub fn beijing_midnight(day: jiff::civil::Date) -> jiff::Timestamp {
    day.to_zoned(beijing_offset()).map(|z| z.timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
