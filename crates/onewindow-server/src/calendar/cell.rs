//! The working-day calendar in force: the schedules shipped in the binary plus the days
//! administrators set, reloaded when the store's calendar generation moves (so several server
//! processes agree).

use onewindow_core::calendar::{Calendar, DayKind};
use onewindow_store::Store;
use std::sync::{Arc, RwLock};

/// The current calendar, cheap to read.
pub struct CalendarCell {
    current: RwLock<(i64, Arc<Calendar>)>,
}

impl Default for CalendarCell {
    fn default() -> Self {
        CalendarCell { current: RwLock::new((-1, Arc::new(Calendar::china()))) }
    }
}

impl CalendarCell {
    /// The calendar in force.
    pub fn get(&self) -> Arc<Calendar> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).1.clone()
    }

    /// Reloads the administrators' days if they changed; returns whether it reloaded.
    pub async fn refresh(&self, store: &Store) -> onewindow_store::Result<bool> {
        let generation = store.calendar_generation().await?;
        if self.current.read().unwrap_or_else(|e| e.into_inner()).0 == generation {
            return Ok(false);
        }
        let (days, years) = store.calendar_overrides().await?;
        let mut calendar = Calendar::china();
        for d in &days {
            let (Ok(date), Some(kind)) = (d.date.parse(), DayKind::from_code(&d.kind)) else {
                tracing::warn!(date = %d.date, "A stored calendar day cannot be read; it is left out");
                continue;
            };
            if let Err(e) = calendar.set_day(date, kind, &d.name, &d.source) {
                tracing::warn!(date = %d.date, error = %e, "A stored calendar day breaks a rule; it is left out");
            }
        }
        for y in years {
            calendar.mark_published(i16::try_from(y).unwrap_or(i16::MAX));
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (generation, Arc::new(calendar));
        Ok(true)
    }
}
