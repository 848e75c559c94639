//! Domain core of onewindow: the item catalogue, identifiers, roles, regions and the
//! catalogue search index.
//!
//! Architecture invariant: no IO, no clock, no async, no SQL. "Now" and every external fact
//! (which department is the approval bureau, which departments exist) are arguments.

pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod ids;
pub mod mask;
pub mod region;
pub mod role;
pub mod search;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
