//! A deployment's configuration as data: its sources (how events arrive, with their settings) and destinations (Bloomreach projects), validated with every problem at its path.
//!
//! Pure like the core it sits on: the Worker stores a validated configuration and compiles it into
//! its routing table, and the command line validates the same document offline with the same code
//! and the same defaults (each source's settings by the core's own settings code).

mod diff;
mod model;
mod suggest;
mod validate;

pub use diff::{diff, Change};
pub use model::{
    Deployment, Destination, InspectorSettings, KeyCredential, RateLimit, RateLimits, Source,
    Webhook, WriteKey, WriteKeyKind, DEFAULT_CLIENT_LIMIT, DEFAULT_HARD_ID, DEFAULT_SOFT_ID,
    DEFAULT_SOURCE_LIMIT, MAX_ALLOWED_ORIGINS, MAX_DESTINATIONS, MAX_INSPECTOR_HOURS,
    MAX_INSPECTOR_KEEP, MAX_REDACT_PATHS, MAX_SOURCES, MAX_WRITE_KEYS,
};
pub use suggest::closest;
pub use validate::{SecretCheck, INSPECTOR_KEYS, REDACTABLE_FIELDS, SOURCE_SETTING_KEYS};
