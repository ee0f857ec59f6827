//! This isolate's copy of the live configuration: the routing table compiled from the stored version (or the variables when none is stored), checked against the store only when older than `CONFIG_CACHE_SECONDS`, and kept serving when the store fails.

use crate::config::{secret_text, Bindings};
use crate::error::WorkerError;
use crate::log;
use crate::routing::Routing;
use crate::runtime_url::RuntimeUrl;
use segment_bloomreach_deployment::Deployment;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// The configuration a request runs with.
#[derive(Clone)]
pub struct Live {
    pub routing: Rc<Routing>,
    /// When the store last confirmed this copy (ms since the epoch); without a store, when the
    /// variables were read.
    pub checked_ms: u64,
    /// Why the last check failed, while the copy is served past its bound.
    pub stale: Option<String>,
    /// Until when a request serves the copy without asking the store.
    next_check_ms: u64,
}

impl Live {
    /// How old the copy is, in milliseconds.
    pub fn age_ms(&self) -> u64 {
        crate::clock::now_ms().saturating_sub(self.checked_ms)
    }
}

/// The configuration to run a request with: the isolate's copy while it is fresh, else the
/// store's live version. When the store fails the copy keeps serving (logged once per failure
/// spell); with no copy at all the answer is 503 `config_unavailable`, so the sender retries.
pub async fn current(bindings: &Bindings) -> Result<Live, WorkerError> {
    let now = crate::clock::now_ms();
    let cached = LIVE.with(|live| live.borrow().clone());
    let Some(store) = &bindings.config_store else {
        if let Some(live) = cached {
            return Ok(live);
        }
        return Ok(keep(Live {
            routing: Rc::new(Routing::from_variables(&bindings.config)),
            checked_ms: now,
            stale: None,
            next_check_ms: u64::MAX,
        }));
    };
    let bound_ms = u64::from(bindings.config.config_cache_secs) * 1_000;
    if let Some(live) = &cached {
        if now < live.next_check_ms {
            return Ok(live.clone());
        }
    }
    let have = cached.as_ref().and_then(|l| l.routing.version);
    let refreshed = match store.live(have, cached.is_none()).await {
        Ok(answer) => match (answer.live, answer.document) {
            (None, _) => Ok(match &cached {
                Some(live) if live.routing.version.is_none() => live.routing.clone(),
                _ => Rc::new(Routing::from_variables(&bindings.config)),
            }),
            (Some(info), None) => match &cached {
                Some(live) if live.routing.version == Some(info.version) => {
                    Ok(live.routing.clone())
                }
                _ => Err(format!(
                    "the store sent version {} without its document",
                    info.version
                )),
            },
            (Some(info), Some(document)) => compile(bindings, info.version, &document),
        },
        Err(why) => Err(why),
    };
    match (refreshed, cached) {
        (Ok(routing), _) => Ok(keep(Live {
            routing,
            checked_ms: now,
            stale: None,
            next_check_ms: now + bound_ms,
        })),
        (Err(why), Some(live)) => {
            if live.stale.is_none() {
                log::emit(&json!({
                    "kind": "config_store", "error": why,
                    "servingVersion": live.routing.version, "ageMs": now.saturating_sub(live.checked_ms),
                }));
            }
            // Asked again after the bound (at least a second): a failing store does not hold up
            // every request by its timeout.
            Ok(keep(Live {
                stale: Some(why),
                next_check_ms: now + bound_ms.max(1_000),
                ..live
            }))
        }
        (Err(why), None) => {
            log::emit(&json!({ "kind": "config_store", "error": why, "servingVersion": null }));
            Err(WorkerError::ConfigUnavailable(why))
        }
    }
}

/// A stored version compiled into a routing table, with the secrets it names from the
/// environment (their values are remembered for the panic hook, never logged).
fn compile(bindings: &Bindings, version: u64, document: &Value) -> Result<Rc<Routing>, String> {
    let deployment =
        Deployment::from_json_value(document, None, &RuntimeUrl).map_err(|problems| {
            format!(
            "stored version {version} is not a valid configuration ({} problems, first: {}: {})",
            problems.len(),
            problems[0].field,
            problems[0].message
        )
        })?;
    let env = &bindings.env;
    crate::panic_report::remember_more_secrets(
        deployment
            .secret_names()
            .into_iter()
            .filter_map(|name| secret_text(env, name)),
    );
    Ok(Rc::new(Routing::from_deployment(
        version,
        &deployment,
        |name| secret_text(env, name),
        bindings.config.ledger_key_secret.as_deref(),
    )))
}

/// Makes `live` this isolate's copy.
fn keep(live: Live) -> Live {
    LIVE.with(|kept| *kept.borrow_mut() = Some(live.clone()));
    live
}

/// Forgets this isolate's copy, so the next request asks the store (after a publish here).
pub fn forget() {
    LIVE.with(|kept| *kept.borrow_mut() = None);
}
