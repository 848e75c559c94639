//! Cases (办件): the state machine every application walks through, the applicant, the case
//! number, and how an item's process steps become back-office tasks. Pure: the store applies
//! what these functions decide, in one transaction per transition.
//!
//! Every rule about what a write does lives here and comes back as data: [`execute`] returns a
//! [`Change`] naming the tasks and inspections it opens, completes and cancels and the materials
//! it attaches and verifies; [`choose_reuse`] picks the stored materials a submission reuses;
//! [`on_alarm`] says what the supervision worker writes; [`clock::CaseClock::summary`] gives the
//! due dates and the next alarm a store keeps beside the clock.

mod alarm;
mod applicant;
mod change;
pub mod clock;
mod commands;
mod file;
pub mod intake;
mod materials;
mod number;
mod routing;
mod state;

pub use alarm::{Alarm, accountable_holder, on_alarm};
pub use applicant::{Applicant, ApplicantError, ApplicantKind, Channel};
pub use change::{Change, Decision, Delivery, DoneInspection, DoneTask, EventDraft, NewInspection, NewTask, Refusal};
pub use commands::{Attachment, CaseError, Command, Context, Correction, DEFICIENCY_DAYS_MAX, Deficiency, Opinion, TaskKind, execute};
pub use file::{CaseFile, OpenTask};
pub use materials::{MaterialSource, ReuseCandidate, SubmittedMaterial, choose_reuse, may_attach, reuse_wanted};
pub use number::{CaseNumber, CaseNumberError, QUERY_CODE_ALPHABET, QUERY_CODE_LEN, is_query_code};
pub use routing::{DeliveryMethod, InspectionKind, Outcome, StepStage, missing_requirements, needs_inspection, review_steps, stage_of};
pub use state::{Action, CaseState, TransitionError};
