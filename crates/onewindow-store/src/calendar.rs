//! Days of the working-day calendar set by administrators (next year's State Council notice,
//! a local closure), kept on top of the schedules shipped with the binary.

use crate::audit::audit_append;
use crate::{Actor, Result, Store, time};
use serde::Serialize;

/// A day set by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDay {
    /// YYYY-MM-DD.
    pub date: String,
    /// `working` or `holiday`.
    pub kind: String,
    /// Name shown (元旦, 台风停工…).
    pub name: String,
    /// The document that decided it.
    pub source: String,
    /// Who set it.
    pub set_by: String,
}

/// `day, kind, name, source, set_by`.
type DayRow = (String, String, String, String, String);

impl Store {
    /// Every day set by administrators, in date order, and the years they declared complete.
    pub async fn calendar_overrides(&self) -> Result<(Vec<StoredDay>, Vec<i64>)> {
        let (days, years): (Vec<DayRow>, Vec<i64>) = with_reader!(self, pool => {
            let days = sqlx::query_as("SELECT day, kind, name, source, set_by FROM calendar_day ORDER BY day").fetch_all(pool).await?;
            let years = sqlx::query_scalar("SELECT year FROM calendar_year ORDER BY year").fetch_all(pool).await?;
            (days, years)
        });
        let days = days.into_iter().map(|(date, kind, name, source, set_by)| StoredDay { date, kind, name, source, set_by }).collect();
        Ok((days, years))
    }

    /// A number that changes whenever an administrator changes the calendar (so that every
    /// server process reloads it).
    pub async fn calendar_generation(&self) -> Result<i64> {
        Ok(with_reader!(self, pool => {
            sqlx::query_scalar(
                "SELECT COALESCE((SELECT MAX(set_at) FROM calendar_day), 0) + COALESCE((SELECT MAX(published_at) FROM calendar_year), 0) \
                 + (SELECT COUNT(*) FROM calendar_day) + (SELECT COUNT(*) FROM calendar_year)",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// Sets one day (already checked by the core's calendar rules); audited.
    pub async fn set_calendar_day(&self, date: &str, kind: &str, name: &str, source: &str, actor: &Actor) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO calendar_day (day, kind, name, source, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, source = excluded.source, \
                 set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(date)
            .bind(kind)
            .bind(name)
            .bind(source)
            .bind(&actor.username)
            .bind(time::to_micros(actor.at))
            .execute(&mut *tx)
            .await?;
            let detail = serde_json::json!({"kind": kind, "name": name, "source": source});
            audit_append!(tx, backend, actor, "calendar.set_day", date, detail).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Declares a year's schedule complete; audited. Idempotent.
    pub async fn publish_calendar_year(&self, year: i64, actor: &Actor) -> Result<()> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("INSERT INTO calendar_year (year, published_by, published_at) VALUES ($1, $2, $3) ON CONFLICT (year) DO NOTHING")
                .bind(year)
                .bind(&actor.username)
                .bind(time::to_micros(actor.at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                audit_append!(tx, backend, actor, "calendar.publish_year", &year.to_string(), serde_json::json!({})).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
