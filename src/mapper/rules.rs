//! An event the user's rules take: each matching rule's commands, in rule order, made into command drafts with the classic customer IDs and time where a rule gives none.

use super::payload;
use crate::codes::Code;
use crate::command::{Draft, DraftData, Timestamp};
use crate::error::MapError;
use crate::json::{Json, Obj};
use crate::mapping::{classic_customer_ids, classic_time, parse_time};
use crate::settings::Settings;
use segment_bloomreach_rules::{CommandKind, EventBudget, RuleCommand, RuleSet};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What the rules made of an event that at least one of them took.
pub(crate) struct Taken<'a> {
    pub drafts: Vec<Draft<'a>>,
    /// Some rule that took the event also wants the classic mapping's commands.
    pub keep_default: bool,
}

/// The commands of every rule whose subscription takes the event, or `None` when no rule takes
/// it. A rule whose mapping fails rejects the event with `mapping_failed`.
///
/// The rules see the event as a `Value` holding only what they read of it ([`payload::of`]):
/// what the subscriptions read, to find the rules that take it, then what each taking rule
/// reads, to emit. Most events are taken by one rule or none, so this builds less than the
/// union of what all the rules read (45 fields of a typical event for the benchmark's ten
/// rules), which was a fifth of the rules' cost.
pub(crate) fn take<'a>(
    rules: &'a RuleSet,
    event: &Obj<'a>,
    settings: &'a Settings,
) -> Result<Option<Taken<'a>>, MapError> {
    let mut budget = EventBudget::new();
    let mut taken: Option<Taken> = None;
    let matched = payload::of(rules.subscription_reads(), event);
    for rule in rules.rules().iter().filter(|rule| rule.matches(&matched)) {
        let payload = payload::of(rule.reads(), event);
        let payload = &payload;
        let taken = taken.get_or_insert_with(|| Taken {
            drafts: Vec::new(),
            keep_default: false,
        });
        taken.keep_default |= rule.keep_default;
        let commands = rule.emit(payload, &mut budget).map_err(|failure| {
            MapError::new(
                Code::MappingFailed,
                format!(
                    "rule {:?}: `{}` {}",
                    failure.rule, failure.field, failure.message
                ),
            )
        })?;
        for command in commands {
            taken
                .drafts
                .push(draft(command, &rule.name, event, settings)?);
        }
    }
    Ok(taken)
}

/// One rule command as a draft (its command ID is set when the event's commands are numbered).
fn draft<'a>(
    command: RuleCommand,
    rule: &'a str,
    event: &Obj<'a>,
    settings: &'a Settings,
) -> Result<Draft<'a>, MapError> {
    let customer_ids = match command.customer_ids {
        None => classic_customer_ids(event, settings)?,
        Some(ids) => customer_ids_of(ids, rule)?,
    };
    let timestamp = match &command.timestamp {
        None => classic_time(event)?,
        Some(value) => Some(rule_time(value, rule)?),
    };
    let properties = Obj::from_map(command.properties);
    let data = match command.kind {
        CommandKind::Event => DraftData::Event {
            customer_ids,
            // A rule's event command always has its type (the rules check it).
            event_type: Cow::Owned(command.event_type.unwrap_or_default()),
            timestamp,
            properties,
        },
        CommandKind::Customer => DraftData::Customer {
            customer_ids,
            properties,
            update_timestamp: timestamp,
        },
    };
    Ok(Draft {
        command_id: Cow::Borrowed(""),
        data,
        origin: Some(rule),
    })
}

/// A rule's customer IDs, each a non-empty string or a number (sent as its decimal string); none
/// at all is `missing_identity`, as for an event without IDs.
fn customer_ids_of<'a>(ids: Map<String, Value>, rule: &str) -> Result<Obj<'a>, MapError> {
    if ids.is_empty() {
        return Err(MapError::new(
            Code::MissingIdentity,
            format!("rule {rule:?}: `customerIds` gave no customer ID"),
        ));
    }
    let mut out = Obj::with_capacity(ids.len());
    for (name, id) in ids {
        let id = match id {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            // The rules allow nothing else.
            other => other.to_string(),
        };
        out.insert(Cow::Owned(name), Json::String(Cow::Owned(id)));
    }
    Ok(out)
}

/// A rule's `timestamp`, read with the classic time rules.
fn rule_time(value: &Value, rule: &str) -> Result<Timestamp, MapError> {
    parse_time(value).map_err(|why| {
        MapError::new(
            Code::InvalidTimestamp,
            format!("rule {rule:?}: `timestamp` {why}"),
        )
    })
}
