//! The Bloomreach batch commands an event becomes, serialized exactly as the API takes them.

use crate::json::Obj;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A point in time, kept as whole milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub millis: i64,
}

impl Timestamp {
    /// Unix seconds as Bloomreach takes them: an integer when whole, else with a fraction.
    pub fn to_json(self) -> Value {
        if self.millis % 1000 == 0 {
            Value::from(self.millis / 1000)
        } else {
            Value::from(self.millis as f64 / 1000.0)
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.millis % 1000 == 0 {
            serializer.serialize_i64(self.millis / 1000)
        } else {
            serializer.serialize_f64(self.millis as f64 / 1000.0)
        }
    }
}

/// What a command carries: an event, or a customer update.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandData {
    Event {
        customer_ids: Map<String, Value>,
        event_type: String,
        timestamp: Option<Timestamp>,
        properties: Map<String, Value>,
    },
    Customer {
        customer_ids: Map<String, Value>,
        properties: Map<String, Value>,
        update_timestamp: Option<Timestamp>,
    },
}

/// One command of `POST /track/v2/projects/{token}/batch`.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub command_id: String,
    pub data: CommandData,
}

impl Command {
    /// The batch endpoint's name for this kind of command.
    pub fn name(&self) -> &'static str {
        self.data.as_ref().name()
    }
}

impl CommandData {
    fn as_ref(&self) -> DataRef<'_, Map<String, Value>> {
        match self {
            CommandData::Event {
                customer_ids,
                event_type,
                timestamp,
                properties,
            } => DataRef::Event {
                customer_ids,
                event_type,
                timestamp: *timestamp,
                properties,
            },
            CommandData::Customer {
                customer_ids,
                properties,
                update_timestamp,
            } => DataRef::Customer {
                customer_ids,
                properties,
                update_timestamp: *update_timestamp,
            },
        }
    }
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_command(serializer, &self.command_id, self.data.as_ref())
    }
}

impl Serialize for CommandData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_ref().serialize(serializer)
    }
}

/// What both forms of a command ([`Command`] and the mapping's [`Draft`]) serialize through,
/// so the two can never write different bytes.
enum DataRef<'d, M> {
    Event {
        customer_ids: &'d M,
        event_type: &'d str,
        timestamp: Option<Timestamp>,
        properties: &'d M,
    },
    Customer {
        customer_ids: &'d M,
        properties: &'d M,
        update_timestamp: Option<Timestamp>,
    },
}

impl<M> DataRef<'_, M> {
    fn name(&self) -> &'static str {
        match self {
            DataRef::Event { .. } => "customers/events",
            DataRef::Customer { .. } => "customers",
        }
    }
}

impl<M: Serialize> Serialize for DataRef<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DataRef::Event {
                customer_ids,
                event_type,
                timestamp,
                properties,
            } => {
                let mut s = serializer.serialize_struct("Event", 4)?;
                s.serialize_field("customer_ids", customer_ids)?;
                s.serialize_field("event_type", event_type)?;
                if let Some(t) = timestamp {
                    s.serialize_field("timestamp", t)?;
                }
                s.serialize_field("properties", properties)?;
                s.end()
            }
            DataRef::Customer {
                customer_ids,
                properties,
                update_timestamp,
            } => {
                let mut s = serializer.serialize_struct("Customer", 3)?;
                s.serialize_field("customer_ids", customer_ids)?;
                s.serialize_field("properties", properties)?;
                if let Some(t) = update_timestamp {
                    s.serialize_field("update_timestamp", t)?;
                }
                s.end()
            }
        }
    }
}

fn serialize_command<S: Serializer, M: Serialize>(
    serializer: S,
    command_id: &str,
    data: DataRef<'_, M>,
) -> Result<S::Ok, S::Error> {
    let mut s = serializer.serialize_struct("Command", 3)?;
    s.serialize_field("name", data.name())?;
    s.serialize_field("command_id", command_id)?;
    s.serialize_field("data", &data)?;
    s.end()
}

/// A command as the mapping builds it, borrowing from the event text and the settings; it
/// serializes exactly as the [`Command`] it becomes with [`Draft::into_command`].
#[derive(Clone, Debug)]
pub(crate) struct Draft<'a> {
    pub command_id: Cow<'a, str>,
    pub data: DraftData<'a>,
    /// The rule that made the command (its name); `None` for the classic mapping's.
    pub origin: Option<&'a str>,
}

#[derive(Clone, Debug)]
pub(crate) enum DraftData<'a> {
    Event {
        customer_ids: Obj<'a>,
        event_type: Cow<'a, str>,
        timestamp: Option<Timestamp>,
        properties: Obj<'a>,
    },
    Customer {
        customer_ids: Obj<'a>,
        properties: Obj<'a>,
        update_timestamp: Option<Timestamp>,
    },
}

impl Draft<'_> {
    pub fn into_command(self) -> Command {
        Command {
            command_id: self.command_id.into_owned(),
            data: match self.data {
                DraftData::Event {
                    customer_ids,
                    event_type,
                    timestamp,
                    properties,
                } => CommandData::Event {
                    customer_ids: customer_ids.into_map(),
                    event_type: event_type.into_owned(),
                    timestamp,
                    properties: properties.into_map(),
                },
                DraftData::Customer {
                    customer_ids,
                    properties,
                    update_timestamp,
                } => CommandData::Customer {
                    customer_ids: customer_ids.into_map(),
                    properties: properties.into_map(),
                    update_timestamp,
                },
            },
        }
    }
}

impl<'a> DraftData<'a> {
    fn as_ref(&self) -> DataRef<'_, Obj<'a>> {
        match self {
            DraftData::Event {
                customer_ids,
                event_type,
                timestamp,
                properties,
            } => DataRef::Event {
                customer_ids,
                event_type,
                timestamp: *timestamp,
                properties,
            },
            DraftData::Customer {
                customer_ids,
                properties,
                update_timestamp,
            } => DataRef::Customer {
                customer_ids,
                properties,
                update_timestamp: *update_timestamp,
            },
        }
    }
}

impl Serialize for Draft<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_command(serializer, &self.command_id, self.data.as_ref())
    }
}
