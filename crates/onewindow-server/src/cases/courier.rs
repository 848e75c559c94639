//! Express delivery (免费快递送达, paid by the district). The courier is outside the platform:
//! this is the seam. [`LocalCourier`] books shipments locally (tracking numbers from a
//! counter) so that the whole flow works without a contract; a real courier's API client
//! implements the same trait.

use std::sync::atomic::{AtomicU64, Ordering};

/// A courier the platform can book shipments with.
pub trait Courier: Send + Sync {
    /// The courier's name, as printed for the applicant.
    fn name(&self) -> &str;
    /// Books a shipment of a case's result to `address`; returns the tracking number.
    fn book(&self, case_number: &str, address: &str) -> Result<String, CourierError>;
}

/// Why a booking failed.
#[derive(Debug, thiserror::Error)]
pub enum CourierError {
    /// No address to send to.
    #[error("no delivery address")]
    NoAddress,
}

/// Books shipments locally: tracking numbers `OW` + date-free counter, unique per process start.
pub struct LocalCourier {
    prefix: u32,
    next: AtomicU64,
}

impl Default for LocalCourier {
    fn default() -> Self {
        LocalCourier { prefix: rand::random::<u32>() % 100_000, next: AtomicU64::new(1) }
    }
}

impl Courier for LocalCourier {
    fn name(&self) -> &str {
        "政务专递（本地）"
    }

    fn book(&self, case_number: &str, address: &str) -> Result<String, CourierError> {
        if address.trim().is_empty() {
            return Err(CourierError::NoAddress);
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        tracing::info!(case_number, "Booked express delivery of case {case_number}");
        Ok(format!("OW{:05}{n:07}", self.prefix))
    }
}
