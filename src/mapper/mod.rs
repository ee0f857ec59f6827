//! The mapping stage: built once from validated settings, it turns one event into its commands, or its rejection or skip.
//!
//! Per event, in order: its shape (depth, `__proto__` keys; its size was checked as it was read)
//! and that it is an object; the classic opt-out (`integrations`); with rules or presets, the call
//! type and the types of the spec's fields, then consent enforcement, then the consent-preference
//! event, then the e-commerce preset's rows and every rule that takes the event (`rules.rs`);
//! then, for an event nothing took or one a `keepDefault` rule took, the classic mapping.

mod opt_out;
mod payload;
mod rules;

use crate::command::{Command, Draft};
use crate::error::{MapError, Skip};
use crate::ingest::{self, Event, EventSlot, IngestError, IngestLimits, Reading};
use crate::json::{Json, Obj};
use crate::mapping::{
    self, classic_customer_ids, classic_time, event_command, Call, CallType, ClassicContext,
    Drafted,
};
use crate::presets::{consent, ecommerce, PresetEvent};
use crate::settings::{RequestTarget, Settings};
use serde_json::Value;
use std::borrow::Cow;

/// The mapping for one set of settings, and where its requests go.
#[derive(Clone, Debug)]
pub struct Mapper {
    settings: Settings,
    target: RequestTarget,
    /// Rules or presets are set: events go through the stages before the classic mapping.
    staged: bool,
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
        let staged = !settings.rules().is_empty() || settings.presets_on();
        Mapper {
            settings,
            target,
            staged,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where every request goes, and its `Authorization`.
    pub fn target(&self) -> &RequestTarget {
        &self.target
    }

    /// How events are read for this mapping: the parts it only copies stay text, unless
    /// flattening, rules or presets have to look inside them.
    pub fn reading(&self) -> Reading {
        if self.settings.flatten_nested_objects() || self.staged {
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
    /// `messageId`. Out of line, as it was before the stages were split off: inlined into the
    /// build loop, the classic path took ~0.1% more instructions (`benches/callgrind.sh`).
    #[inline(never)]
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
        if !self.staged {
            return self.classic(event, command_id);
        }
        self.stages(event, command_id)
    }

    /// With rules or presets: the call type and field types, consent, the presets and the rules,
    /// then the classic mapping where nothing took the event or a `keepDefault` rule asks for it.
    /// Kept out of [`Mapper::map`] so that the classic path stays as small as it was.
    #[inline(never)]
    fn stages<'a>(
        &'a self,
        event: Obj<'a>,
        command_id: Cow<'a, str>,
    ) -> Result<Drafted<'a>, MapError> {
        CallType::peek(&event)?;
        mapping::check_field_types(&event)?;
        let settings = &self.settings;
        let (required, categories) = (
            settings.required_consent_categories(),
            settings.consent_categories(),
        );
        if !required.is_empty() || !categories.is_empty() {
            // The consent-preference event is never denied: a revocation must arrive.
            let preference_event = consent::is_preference_event(&event);
            if !preference_event && !required.is_empty() {
                if let Some(skip) = consent::enforce(required, consent::preferences(&event)?) {
                    return Ok(Drafted::Skipped(skip));
                }
            }
            if preference_event && !categories.is_empty() {
                return match consent::events(categories, consent::preferences(&event)?) {
                    Ok(events) => {
                        let mut drafts = self.preset_drafts(&event, events)?;
                        number_commands(&mut drafts, &command_id);
                        Ok(Drafted::Commands(drafts))
                    }
                    Err(skip) => Ok(Drafted::Skipped(skip)),
                };
            }
        }
        // The e-commerce preset runs as rules placed before the user's: a row that takes the
        // event takes it as a rule would, and the user's rules that match emit too.
        let mut drafts = match settings
            .ecommerce_events()
            .then(|| ecommerce::events(&event))
        {
            Some(Some(events)) => self.preset_drafts(&event, events)?,
            _ => Vec::new(),
        };
        let mut taken = !drafts.is_empty();
        let mut keep_default = false;
        let user_rules = settings.rules();
        if !user_rules.is_empty() {
            if let Some(by_rules) = rules::take(user_rules, &event, settings)? {
                taken = true;
                keep_default = by_rules.keep_default;
                drafts.extend(by_rules.drafts);
            }
        }
        if !taken {
            return self.classic(event, command_id);
        }
        if keep_default {
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

    /// A preset's events as drafts, with the event's classic customer IDs and time (command IDs
    /// are set when the event's commands are numbered).
    fn preset_drafts<'a>(
        &'a self,
        event: &Obj<'a>,
        events: Vec<PresetEvent<'a>>,
    ) -> Result<Vec<Draft<'a>>, MapError> {
        let customer_ids = classic_customer_ids(event, &self.settings)?;
        let timestamp = classic_time(event)?;
        Ok(events
            .into_iter()
            .map(|preset| {
                let mut draft = event_command(
                    Cow::Borrowed(""),
                    customer_ids.clone(),
                    Cow::Borrowed(preset.event_type),
                    timestamp,
                    preset.properties,
                );
                draft.origin = Some(preset.origin);
                draft
            })
            .collect())
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
