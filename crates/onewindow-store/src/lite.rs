//! The case write path on SQLite without a thread hop per statement.
//!
//! sqlx runs each SQLite statement on a worker thread and sends every result row back over a
//! channel: two or more context switches per statement. The group committer runs dozens of
//! statements per batch one after the other, so those hops, not SQLite, bounded throughput
//! (`docs/performance.md`). Here the committer holds its own
//! rusqlite connection (the same bundled SQLite library) and runs statements in its thread.
//!
//! The functions mirror the part of sqlx's query API that the command macros in `cases.rs`
//! use (`query`, `query_as`, `query_scalar`, `bind`, `execute`, `fetch_*`, `Row::try_get`),
//! so that one text of each command serves both backends. Their futures are ready at once:
//! [`ready`] runs them to completion without a runtime.

use rusqlite::types::{FromSql, ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};
use std::future::Future;
use std::sync::Arc;

/// The committer's connection.
pub(crate) struct Lite {
    pub(crate) conn: Connection,
}

impl Lite {
    /// Opens the database file for writing with the same durability as the sqlx connections:
    /// WAL (already set on the file), `synchronous=FULL`, foreign keys on.
    pub(crate) fn open(path: &std::path::Path) -> rusqlite::Result<Lite> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Savepoints journal the pages they change: in memory, not in a temporary file. The page
        // cache holds the hot indexes of the case tables (64 MiB at most).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
        )?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Lite { conn })
    }
}

/// Statement text, as the macros pass it: a literal or an asserted `format!` result.
pub(crate) trait SqlText {
    fn text(self) -> String;
}

impl SqlText for &'static str {
    fn text(self) -> String {
        self.to_string()
    }
}

impl SqlText for sqlx::AssertSqlSafe<String> {
    fn text(self) -> String {
        self.0
    }
}

/// A statement with its arguments.
pub(crate) struct Query {
    sql: String,
    args: Vec<Value>,
    error: Option<rusqlite::Error>,
}

/// `sqlx::query`.
pub(crate) fn query(sql: impl SqlText) -> Query {
    Query { sql: sql.text(), args: Vec::new(), error: None }
}

/// `sqlx::query_as`: rows as tuples.
pub(crate) fn query_as<T: FromRow>(sql: impl SqlText) -> Typed<T> {
    Typed { query: query(sql), read: T::from_row }
}

/// `sqlx::query_scalar`: the first column.
pub(crate) fn query_scalar<T: FromSql>(sql: impl SqlText) -> Typed<T> {
    Typed { query: query(sql), read: first_column::<T> }
}

fn first_column<T: FromSql>(row: &rusqlite::Row<'_>) -> rusqlite::Result<T> {
    row.get(0)
}

impl Query {
    pub(crate) fn bind<T: ToSql>(mut self, value: T) -> Query {
        let owned = match value.to_sql() {
            Ok(ToSqlOutput::Borrowed(v)) => Value::try_from(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e))),
            Ok(ToSqlOutput::Owned(v)) => Ok(v),
            Ok(_) => Err(rusqlite::Error::ToSqlConversionFailure("unsupported argument".into())),
            Err(e) => Err(e),
        };
        match owned {
            Ok(v) => self.args.push(v),
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Runs the statement with its `$n` placeholders bound by number (as sqlx does on SQLite).
    fn run<R>(self, conn: &mut Lite, rows: impl FnOnce(&mut rusqlite::Rows<'_>) -> rusqlite::Result<R>) -> rusqlite::Result<R> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut stmt = conn.conn.prepare_cached(&self.sql)?;
        for i in 1..=stmt.parameter_count() {
            let n = stmt.parameter_name(i).and_then(|name| name.trim_start_matches(['$', '?']).parse::<usize>().ok()).unwrap_or(i);
            let value = self.args.get(n - 1).ok_or(rusqlite::Error::InvalidParameterCount(n, self.args.len()))?;
            stmt.raw_bind_parameter(i, value)?;
        }
        let mut found = stmt.raw_query();
        rows(&mut found)
    }

    pub(crate) async fn execute(self, conn: &mut Lite) -> rusqlite::Result<()> {
        self.run(conn, |rows| {
            while rows.next()?.is_some() {}
            Ok(())
        })
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Lite) -> rusqlite::Result<Option<Row>> {
        self.run(conn, |rows| rows.next()?.map(Row::of).transpose())
    }
}

/// A statement whose rows are read as `T`.
pub(crate) struct Typed<T> {
    query: Query,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
}

impl<T> Typed<T> {
    pub(crate) fn bind<V: ToSql>(self, value: V) -> Typed<T> {
        Typed { query: self.query.bind(value), read: self.read }
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Lite) -> rusqlite::Result<Option<T>> {
        let read = self.read;
        self.query.run(conn, |rows| rows.next()?.map(read).transpose())
    }

    pub(crate) async fn fetch_one(self, conn: &mut Lite) -> rusqlite::Result<T> {
        self.fetch_optional(conn).await?.ok_or(rusqlite::Error::QueryReturnedNoRows)
    }

    pub(crate) async fn fetch_all(self, conn: &mut Lite) -> rusqlite::Result<Vec<T>> {
        let read = self.read;
        self.query.run(conn, |rows| {
            let mut all = Vec::new();
            while let Some(r) = rows.next()? {
                all.push(read(r)?);
            }
            Ok(all)
        })
    }
}

/// A row read as a tuple.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromSql),+> FromRow for ($($t,)+) {
            fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A row read out of its statement, with its columns' names.
pub(crate) struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    fn of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        let stmt = r.as_ref();
        let n = stmt.column_count();
        let names: Arc<[String]> = (0..n).map(|i| stmt.column_name(i).map(String::from)).collect::<rusqlite::Result<Vec<_>>>()?.into();
        let values = (0..n).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Row { names, values })
    }

    /// A column by name, as sqlx's `Row::try_get`.
    pub(crate) fn try_get<T: FromSql, I: AsRef<str>>(&self, name: I) -> rusqlite::Result<T> {
        let name = name.as_ref();
        let i = self.names.iter().position(|n| n == name).ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_string()))?;
        T::column_result(ValueRef::from(&self.values[i]))
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, self.values[i].data_type(), Box::new(e)))
    }
}

/// Runs a future that never waits (the functions above do their work when polled) to its end.
pub(crate) fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("a command on the SQLite committer waited for something outside it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lite() -> Lite {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n BIGINT, flag BOOLEAN)").unwrap();
        Lite { conn }
    }

    #[test]
    fn placeholders_bind_by_number_not_by_position() {
        let mut l = lite();
        // $3 appears before $2: sqlite numbers named parameters by first appearance.
        ready(query("INSERT INTO t (n, name, flag) VALUES ($3, $1, $2)").bind("甲").bind(true).bind(7_i64).execute(&mut l)).unwrap();
        let (name, n, flag): (String, i64, bool) =
            ready(query_as::<(String, i64, bool)>("SELECT name, n, flag FROM t").fetch_one(&mut l)).unwrap();
        assert_eq!((name.as_str(), n, flag), ("甲", 7, true));
        // The same number used twice binds the same value.
        ready(query("INSERT INTO t (name, n) VALUES ($1, length($1))").bind("abc").execute(&mut l)).unwrap();
        let n: i64 = ready(query_scalar::<i64>("SELECT n FROM t WHERE name = $1").bind("abc").fetch_one(&mut l)).unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn rows_by_name_options_and_errors() {
        let mut l = lite();
        ready(query("INSERT INTO t (name, n) VALUES ($1, $2)").bind("乙").bind(None::<i64>).execute(&mut l)).unwrap();
        let row = ready(query(sqlx::AssertSqlSafe("SELECT name, n FROM t".to_string())).fetch_optional(&mut l)).unwrap().unwrap();
        assert_eq!(row.try_get::<String, _>("name").unwrap(), "乙");
        assert_eq!(row.try_get::<Option<i64>, _>("n").unwrap(), None);
        assert!(row.try_get::<String, _>("missing").is_err());
        assert!(row.try_get::<i64, _>("name").is_err(), "text is not read as a number");
        assert!(ready(query_scalar::<i64>("SELECT n FROM t WHERE name = 'none'").fetch_optional(&mut l)).unwrap().is_none());
        assert!(ready(query_scalar::<i64>("SELECT n FROM t WHERE name = 'none'").fetch_one(&mut l)).is_err());
        assert!(ready(query("INSERT INTO t (name) VALUES ($1)").execute(&mut l)).is_err(), "a missing argument is an error");
        let all: Vec<(String, Option<i64>)> = ready(query_as("SELECT name, n FROM t").fetch_all(&mut l)).unwrap();
        assert_eq!(all, vec![("乙".to_string(), None)]);
    }
}
