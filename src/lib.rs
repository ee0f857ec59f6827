//! Segment → Bloomreach Engagement: a pure mapping core (no I/O, no wasm types),
//! with thin shells for the npm package (`npm`) and the Cloudflare Worker (`worker`).

pub mod batch;
pub mod command;
pub mod delivery;
pub mod env_config;
pub mod error;
pub mod ingest;
mod json;
pub mod mapping;
pub mod response;
pub mod rules;
pub mod sender_auth;
pub mod settings;
#[cfg(any(test, all(target_arch = "wasm32", not(feature = "worker"))))]
mod utf;

#[cfg(all(target_arch = "wasm32", not(feature = "worker")))]
mod npm;
#[cfg(all(target_arch = "wasm32", feature = "worker"))]
mod worker;

pub use batch::{build_requests, build_requests_from_json, BatchRequest, BuildOutput, EventIssue};
pub use command::{Command, CommandData, Timestamp};
pub use error::{ErrorCode, MapError, SkipReason};
pub use ingest::{parse_events, IngestError, IngestLimits};
pub use mapping::{map_event, Mapped};
pub use response::{read_response, CommandOutcome, Delivery};
pub use settings::{Settings, SettingsError, SettingsProblem};
