//! Cases (办件): the state machine every application walks through, the applicant, the case
//! number, and how an item's process steps become back-office tasks. Pure: the store applies
//! what these functions decide, in one transaction per transition.

mod applicant;
pub mod clock;
mod commands;
mod number;
mod routing;
mod state;

pub use applicant::{Applicant, ApplicantError, ApplicantKind, Channel};
pub use commands::{
    Attachment, CaseError, CaseFile, Change, Command, Context, Correction, DEFICIENCY_DAYS_MAX, Deficiency, EventDraft, NewTask, OpenTask,
    Opinion, TaskKind, execute,
};
pub use number::{CaseNumber, CaseNumberError, QUERY_CODE_ALPHABET, QUERY_CODE_LEN, is_query_code};
pub use routing::{DeliveryMethod, InspectionKind, Outcome, StepStage, missing_requirements, review_steps, stage_of};
pub use state::{Action, CaseState, TransitionError};
