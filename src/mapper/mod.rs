//! The mapping stage: built once from validated settings, it turns one event into its commands, or its rejection or skip.
//!
//! Per event, in order: its shape (depth, `__proto__` keys; its size was checked as it was read)
//! and that it is an object; the classic opt-out (`integrations`); with rules, the call type and
//! the types of the spec's fields, then every rule that takes the event (`rules.rs`); then, for
//! an event no rule took or one a `keepDefault` rule took, the classic mapping.

mod opt_out;
mod rules;

use crate::command::{Command, Draft};
use crate::error::{MapError, Skip};
use crate::ingest::{self, Event, EventSlot, IngestError, IngestLimits, Reading};
use crate::json::{Json, Obj};
use crate::mapping::{self, Call, CallType, ClassicContext, Drafted};
use crate::settings::{RequestTarget, Settings};
use serde_json::Value;
use std::borrow::Cow;

/// The mapping for one set of settings, and where its requests go.
#[derive(Clone, Debug)]
pub struct Mapper {
    settings: Settings,
    target: RequestTarget,
}

/// What became of an event that could be mapped (owned, for callers outside the pipeline).
#[derive(Clone, Debug, PartialEq)]
pub enum Mapped {
    Commands(Vec<Command>),
    Skipped(Skip),
}

impl Mapper {
    pub fn new(settings: Settings) -> Mapper {
        let target = settings.request_target();
        Mapper { settings, target }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where every request goes, and its `Authorization`.
    pub fn target(&self) -> &RequestTarget {
        &self.target
    }

    /// How events are read for this mapping: the parts it only copies stay text, unless
    /// flattening or rules have to look inside them.
    pub fn reading(&self) -> Reading {
        if self.settings.flatten_nested_objects() || !self.settings.rules().is_empty() {
            Reading::Tree
        } else {
            Reading::Passthrough
        }
    }

    /// A Segment body's events, read as this mapping needs them.
    pub fn read_body<'a>(
        &self,
        text: &'a str,
        implied_type: Option<&str>,
        limits: IngestLimits,
    ) -> Result<Vec<EventSlot<'a>>, IngestError> {
        ingest::read_body::<ClassicContext>(text, implied_type, limits, self.reading())
    }

    /// One event's JSON text, read as this mapping needs it.
    pub fn read_event<'a>(&self, text: &'a str, limits: IngestLimits) -> EventSlot<'a> {
        ingest::read_event::<ClassicContext>(text, limits, self.reading())
    }

    /// A body's events read with the given `reading` instead of this mapping's own: for the
    /// tests and the fuzz target, which check that passthrough and tree readings map alike.
    #[doc(hidden)]
    pub fn read_body_with<'a>(
        &self,
        text: &'a str,
        implied_type: Option<&str>,
        limits: IngestLimits,
        reading: Reading,
    ) -> Result<Vec<EventSlot<'a>>, IngestError> {
        ingest::read_body::<ClassicContext>(text, implied_type, limits, reading)
    }

    /// Maps one event (built in Rust) to owned commands.
    pub fn map_value(&self, event: Value) -> Result<Mapped, MapError> {
        self.map_slot(Event::from_value(event))
    }

    /// Maps one event, read or already rejected, to owned commands.
    pub fn map_slot(&self, slot: EventSlot) -> Result<Mapped, MapError> {
        Ok(match self.map(slot?, 0)? {
            Drafted::Commands(drafts) => {
                Mapped::Commands(drafts.into_iter().map(|d| d.into_command()).collect())
            }
            Drafted::Skipped(skip) => Mapped::Skipped(skip),
        })
    }

    /// Maps the event at `index` of a body; `index` names the commands of an event without
    /// `messageId`.
    pub(crate) fn map<'a>(
        &'a self,
        event: Event<'a>,
        index: usize,
    ) -> Result<Drafted<'a>, MapError> {
        event.check_shape()?;
        let event = match event.0 {
            Json::Object(map) => map,
            other => {
                return Err(MapError::invalid_event(format!(
                    "an event must be a JSON object, got {}",
                    other.kind()
                )))
            }
        };
        if opt_out::is_opted_out(&event)? {
            return Ok(Drafted::Skipped(Skip::OPTED_OUT));
        }
        let command_id = command_id_base(&event, index)?;
        let user_rules = self.settings.rules();
        if user_rules.is_empty() {
            return self.classic(event, command_id);
        }
        CallType::peek(&event)?;
        mapping::check_field_types(&event)?;
        let payload = Json::Object(event.clone()).into_value();
        let Some(taken) = rules::take(user_rules, &payload, &event, &self.settings)? else {
            return self.classic(event, command_id);
        };
        let mut drafts = taken.drafts;
        if taken.keep_default {
            if let Drafted::Commands(classic) = self.classic(event, command_id.clone())? {
                drafts.extend(classic);
            }
        }
        if drafts.is_empty() {
            return Ok(Drafted::Skipped(Skip::NO_COMMANDS));
        }
        number_commands(&mut drafts, &command_id);
        Ok(Drafted::Commands(drafts))
    }

    /// The classic mapping of an event (`command_id` its first command's ID).
    fn classic<'a>(
        &'a self,
        mut event: Obj<'a>,
        command_id: Cow<'a, str>,
    ) -> Result<Drafted<'a>, MapError> {
        let call_type = CallType::take(&mut event)?;
        let call = Call {
            settings: &self.settings,
            command_id,
        };
        mapping::map(call_type, event, call)
    }
}

/// The commands of an event rules took, numbered in order: `<id>`, `<id>:2`, `<id>:3`… (`<id>`
/// being its `messageId`, or `event-<index>`): unique, and traceable to the event.
fn number_commands(drafts: &mut [Draft], base: &str) {
    for (i, draft) in drafts.iter_mut().enumerate() {
        draft.command_id = if i == 0 {
            Cow::Owned(base.to_string())
        } else {
            Cow::Owned(format!("{base}:{}", i + 1))
        };
    }
}

/// `messageId` where there is one (a number is taken as its decimal string), else `event-<index>`.
fn command_id_base<'a>(event: &Obj<'a>, index: usize) -> Result<Cow<'a, str>, MapError> {
    match event.get("messageId") {
        Some(Json::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Json::Number(n)) => Ok(Cow::Owned(n.to_string())),
        None | Some(Json::Null) | Some(Json::String(_)) => Ok(Cow::Owned(format!("event-{index}"))),
        Some(other) => Err(MapError::invalid_event(format!(
            "`messageId` must be a string, got {}",
            other.kind()
        ))),
    }
}
