//! Segment → Bloomreach Engagement: the pure mapping core (no I/O, no wasm types, no clock).
//!
//! One way through: [`ingest`] reads a Segment body into events; the [`Mapper`], built once from
//! validated [`Settings`], turns each event into its commands (or its rejection or skip code),
//! running the user's rules and the presets (Bloomreach's standard e-commerce events, consent)
//! before the classic mapping;
//! [`pack`] puts the commands into Bloomreach batch requests of at most 50, writing each body
//! once; [`response`] reads Bloomreach's answer into per-command outcomes. [`build`] runs the
//! first three end to end. Every public code is in [`codes`]. The npm package
//! (`crates/npm`) and the Cloudflare Worker (`crates/worker`) are thin shells over this crate.

pub mod base_url;
pub mod build;
pub mod codes;
pub mod command;
pub mod error;
pub mod ingest;
mod json;
pub mod mapper;
mod mapping;
pub mod pack;
mod presets;
pub mod response;
pub mod settings;

pub use build::{BuildOutput, EventIssue};
pub use codes::Code;
pub use command::{Command, CommandData, Timestamp};
pub use error::{MapError, Skip};
pub use ingest::{Event, EventSlot, IngestError, IngestLimits};
pub use mapper::{Mapped, Mapper};
pub use mapping::{flatten, parse_time};
pub use pack::{BatchRequest, PendingCommand, MAX_COMMANDS_PER_REQUEST};
pub use response::{read_response, CommandOutcome, Delivery};
/// Segment's mapping-kit and FQL, the languages of the `mappings` setting (its own crate).
pub use segment_bloomreach_rules as rules;
pub use settings::{RequestTarget, Settings, SettingsError, SettingsProblem};
