//! Instants are stored as microseconds since the Unix epoch in BIGINT columns on both backends.

/// Microseconds since the epoch of an instant.
pub fn to_micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

/// The instant of a stored microsecond count; out-of-range values (corruption) clamp to the epoch.
pub fn from_micros(us: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(us).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
