//! The event feed: the log in commit order (`positions`), read by consumers that keep their own
//! checkpoints (`consumers`), the first of them the process read models (`read_models`).

mod consumers;
pub mod positions;
mod read;
mod read_models;

/// The consumer that keeps `stage_stays`, `process_steps`, `process_cases`, `case_spans`,
/// `quote_products` and `opportunities.furthest` in step with the log.
pub const READ_MODELS: &str = "read_models";
