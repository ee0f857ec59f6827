//! A matching rule's commands for one event: its mapping values resolved against the event (and,
//! with `forEach`, against the event plus `item` and `index` for each element), then checked
//! for the types a Bloomreach command needs.

use super::js::{kind_of, JsKind};
use super::kit::{Js, JsObject, Mapping, Place, ResolveError, Work, WORK_LIMIT};
use super::rule_set::{CommandKind, Rule};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// One command a rule emits. The mapper adds what it decides: the command ID, and the classic
/// customer IDs or time where the rule gives none.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleCommand {
    pub kind: CommandKind,
    /// The event's type: present exactly for [`CommandKind::Event`], never empty.
    pub event_type: Option<String>,
    /// The event's properties or the customer's attributes, exactly as mapped.
    pub properties: Map<String, Value>,
    /// `None`: use the classic customer IDs. Each value a non-empty string or a number;
    /// `null` IDs are left out, so the map may be empty (no customer ID: `missing_identity`).
    pub customer_ids: Option<Map<String, Value>>,
    /// The mapped time as it resolved, to read with the classic time rules; `None`: the
    /// classic time.
    pub timestamp: Option<Value>,
    /// The `forEach` element this command came from (its index), `None` without `forEach`.
    pub item: Option<usize>,
}

/// Why a rule could not map an event: the event is rejected with code `mapping_failed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFailure {
    /// The rule's name.
    pub rule: String,
    /// The rule key whose value failed: `eventType`, `properties`, `forEach`, `customerIds` or
    /// `timestamp`.
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {:?}, {}: {}", self.rule, self.field, self.message)
    }
}

impl std::error::Error for RuleFailure {}

/// The work all rules may do on one event together ([`WORK_LIMIT`] units): make one per event
/// and pass it to each matching rule's [`Rule::emit`], so that neither a hostile mapping nor a
/// hostile event can cost more than that, however many rules match.
pub struct EventBudget {
    work: Work,
}

impl EventBudget {
    pub fn new() -> EventBudget {
        EventBudget {
            work: Work::new(WORK_LIMIT),
        }
    }
}

impl Default for EventBudget {
    fn default() -> Self {
        EventBudget::new()
    }
}

impl Rule {
    /// The rule's commands for an event it matches (see [`Rule::matches`]): one, or with
    /// `forEach` one per element (none for an absent, `null` or empty list), paid from the
    /// event's budget.
    pub fn emit(
        &self,
        event: &Value,
        budget: &mut EventBudget,
    ) -> Result<Vec<RuleCommand>, RuleFailure> {
        let work = &mut budget.work;
        let Some(for_each) = &self.for_each else {
            return Ok(vec![self.command(Place::Borrowed(event), None, work)?]);
        };
        let list = for_each
            .resolve_shared(Place::Borrowed(event), work)
            .map_err(|e| self.failure("forEach", e.message))?;
        let items = match list.place().kind() {
            JsKind::Undefined | JsKind::Null => return Ok(Vec::new()),
            JsKind::Array => list.place().items().unwrap_or_default(),
            other => {
                return Err(self.failure(
                    "forEach",
                    format!("must resolve to an array, got {}", other.name()),
                ))
            }
        };
        let entries = event.as_object().map(Map::len).unwrap_or_default() + 2;
        let mut commands = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            // `{...event, item, index}`, sharing the event's members.
            let mut payload = JsObject::with_capacity(entries);
            for (key, value) in event.as_object().into_iter().flatten() {
                payload.push_new(Cow::Borrowed(key.as_str()), Js::Ref(value));
            }
            let item = item
                .to_js(work)
                .map_err(|e| self.failure("forEach", e.message))?;
            payload.set(Cow::Borrowed("item"), item);
            payload.set(Cow::Borrowed("index"), Js::Owned(Value::from(index)));
            let payload = Js::Object(payload);
            commands.push(self.command(payload.place(), Some(index), work).map_err(
                |mut failure| {
                    failure.message = format!("forEach item {index}: {}", failure.message);
                    failure
                },
            )?);
        }
        Ok(commands)
    }

    fn command(
        &self,
        payload: Place<'_, '_>,
        item: Option<usize>,
        work: &mut Work,
    ) -> Result<RuleCommand, RuleFailure> {
        let resolve =
            |field: &'static str, mapping: &Option<Mapping>, work: &mut Work| match mapping {
                None => Ok(None),
                Some(mapping) => mapping
                    .resolve_in(payload, work)
                    .map_err(|e: ResolveError| self.failure(field, e.message)),
            };
        let event_type = match self.command {
            CommandKind::Customer => None,
            CommandKind::Event => match resolve("eventType", &self.event_type, work)? {
                Some(Value::String(t)) if !t.is_empty() => Some(t),
                other => {
                    return Err(self.failure(
                        "eventType",
                        format!(
                            "must resolve to a non-empty string, got {}",
                            describe(other.as_ref())
                        ),
                    ))
                }
            },
        };
        let properties = match resolve("properties", &self.properties, work)? {
            None => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(self.failure(
                    "properties",
                    format!("must resolve to an object, got {}", describe(Some(&other))),
                ))
            }
        };
        let customer_ids = match resolve("customerIds", &self.customer_ids, work)? {
            None => None,
            Some(Value::Object(ids)) => Some(self.customer_ids(ids)?),
            Some(other) => {
                return Err(self.failure(
                    "customerIds",
                    format!(
                        "must resolve to an object of IDs, got {}",
                        describe(Some(&other))
                    ),
                ))
            }
        };
        let timestamp = resolve("timestamp", &self.timestamp, work)?;
        Ok(RuleCommand {
            kind: self.command,
            event_type,
            properties,
            customer_ids,
            timestamp,
            item,
        })
    }

    /// Customer IDs: `null` ones left out, the others non-empty strings or numbers.
    fn customer_ids(&self, ids: Map<String, Value>) -> Result<Map<String, Value>, RuleFailure> {
        let mut kept = Map::new();
        for (key, id) in ids {
            match &id {
                Value::Null => {}
                Value::String(s) if !s.is_empty() => {
                    kept.insert(key, id);
                }
                Value::Number(_) => {
                    kept.insert(key, id);
                }
                other => {
                    return Err(self.failure(
                        "customerIds",
                        format!(
                            "the ID {key:?} must be a non-empty string or a number, got {}",
                            describe(Some(other))
                        ),
                    ))
                }
            }
        }
        Ok(kept)
    }

    fn failure(&self, field: &'static str, message: impl Into<String>) -> RuleFailure {
        RuleFailure {
            rule: self.name.clone(),
            field,
            message: message.into(),
        }
    }
}

/// A resolved value's type for messages, `undefined` for none and `an empty string` for `""`.
fn describe(value: Option<&Value>) -> String {
    match value {
        None => "undefined (nothing)".into(),
        Some(Value::String(s)) if s.is_empty() => "an empty string".into(),
        Some(v) => kind_of(v).name().into(),
    }
}
