//! Packing: mapped commands into Bloomreach batch requests of at most 50, each command knowing its event, an event's commands together, every body written once.
//!
//! One plan serves both the first packing (commands the mapper just made, serialized straight
//! into their request's body) and every re-packing (commands already written as JSON: a retry of
//! what is still pending, a queue batch), so the npm package and the Worker pack alike.

use crate::command::Draft;
use crate::settings::RequestTarget;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

/// The batch endpoint takes at most this many commands per request.
pub const MAX_COMMANDS_PER_REQUEST: usize = 50;

/// Which event a command of a request came from, and where it is in the request's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSource {
    /// The event's index in its body (or, re-packed, whatever owner the caller gave it).
    pub event_index: usize,
    pub command_id: String,
    /// Where the command's JSON is in the request's `body`, so it can be taken out alone.
    pub body_range: Range<usize>,
    /// The rule that made the command (its name), or `None` for the classic mapping's.
    pub origin: Option<String>,
    /// The name the Worker's delivery ledger knows the command by, stable across a sender's
    /// retries (keyed builds only, see [`crate::Mapper::build_keyed`]):
    /// `m:<messageId>` or `h:<digest of the event>`, then the command's suffix
    /// (`:session_ping`). Unlike `command_id` it carries no `#2`: an event repeated in a body
    /// is the same event.
    pub ledger_key: Option<String>,
}

/// A request ready to send: `POST url` with `Authorization`, JSON `Content-Type` and `body`.
/// Serializes as `{method, url, headers, body, events}`, `events` being each command's event
/// index in body order, and `origins` (each command's rule, `null` for the classic mapping's)
/// when some command came from a rule; `Debug` hides the `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
pub struct BatchRequest {
    pub url: String,
    pub authorization: String,
    /// `{"commands": [...]}` as JSON text.
    pub body: String,
    /// One entry per command, in body order.
    pub commands: Vec<CommandSource>,
}

impl BatchRequest {
    pub const METHOD: &'static str = "POST";
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// Whether some command came from a rule (and the request says which, in `origins`).
    pub fn has_origins(&self) -> bool {
        self.commands.iter().any(|c| c.origin.is_some())
    }

    /// The JSON text of the request's `index`-th command.
    pub fn command_json(&self, index: usize) -> &str {
        &self.body[self.commands[index].body_range.clone()]
    }

    /// The request's commands as [`PendingCommand`]s, for packing some of them again.
    pub fn pending(&self, index: usize) -> PendingCommand {
        let source = &self.commands[index];
        PendingCommand {
            owner: source.event_index,
            command_id: source.command_id.clone(),
            json: self.command_json(index).to_string(),
            ledger_key: source.ledger_key.clone(),
        }
    }
}

impl fmt::Debug for BatchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRequest")
            .field("url", &self.url)
            .field("authorization", &"[redacted]")
            .field("body", &self.body)
            .field("commands", &self.commands)
            .finish()
    }
}

impl Serialize for BatchRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Headers<'a>(&'a str);
        impl Serialize for Headers<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("Authorization", self.0)?;
                map.serialize_entry("Content-Type", BatchRequest::CONTENT_TYPE)?;
                map.end()
            }
        }
        struct Events<'a>(&'a [CommandSource]);
        impl Serialize for Events<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|c| c.event_index))
            }
        }
        struct Origins<'a>(&'a [CommandSource]);
        impl Serialize for Origins<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|c| c.origin.as_deref()))
            }
        }
        let mut s = serializer.serialize_struct("BatchRequest", 6)?;
        s.serialize_field("method", Self::METHOD)?;
        s.serialize_field("url", &self.url)?;
        s.serialize_field("headers", &Headers(&self.authorization))?;
        s.serialize_field("body", &self.body)?;
        s.serialize_field("events", &Events(&self.commands))?;
        if self.has_origins() {
            s.serialize_field("origins", &Origins(&self.commands))?;
        }
        s.end()
    }
}

/// A command already written as JSON, owed to Bloomreach: to pack again with [`repack`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PendingCommand {
    /// The event's index in its body, or a queue message's index in its batch.
    pub owner: usize,
    pub command_id: String,
    /// The command as JSON text, exactly as the mapping wrote it.
    pub json: String,
    /// [`CommandSource::ledger_key`], carried through re-packing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_key: Option<String>,
}

/// Which request each command goes in: exactly ceil(commands / 50) requests (more only when
/// equal `command_id`s must be kept apart, as a queue batch holding one event twice needs).
///
/// `owners[i]` is the event (or queue message) command `i` belongs to, `ids[i]` its
/// `command_id`. Owners are taken in order of first appearance, each owner's commands together
/// (a queue message is acked or retried whole, and an event split over two requests would have
/// its delivered half sent again when the other half failed): an owner goes whole into the first
/// request with room for it; a new request is opened while fewer than ceil(commands / 50) exist;
/// only an owner that fits no request whole (rare: every request nearly full, or more than 50
/// commands from one event) is spread over them. No request holds one `command_id` twice
/// (Bloomreach matches results to commands by it). Returns each request's command indices, in
/// ascending order.
pub fn plan(owners: &[usize], ids: &[&str]) -> Vec<Vec<usize>> {
    debug_assert_eq!(owners.len(), ids.len());
    let target = owners.len().div_ceil(MAX_COMMANDS_PER_REQUEST);
    let unique = {
        let mut seen = HashSet::with_capacity(ids.len());
        ids.iter().all(|id| seen.insert(*id))
    };
    let mut requests: Vec<Open> = Vec::with_capacity(target);
    for unit in units(owners) {
        let whole = unit.len() <= MAX_COMMANDS_PER_REQUEST
            && (unique || distinct(unit.iter().map(|&i| ids[i])));
        let fits = |r: &Open| r.fits(&unit, ids, unique);
        match requests.iter().position(fits) {
            Some(r) if whole => requests[r].add(&unit, ids, unique),
            None if whole && requests.len() < target => {
                let mut open = Open::default();
                open.add(&unit, ids, unique);
                requests.push(open);
            }
            _ => {
                for &i in &unit {
                    let one = [i];
                    match requests.iter().position(|r| r.fits(&one, ids, unique)) {
                        Some(r) => requests[r].add(&one, ids, unique),
                        None => {
                            let mut open = Open::default();
                            open.add(&one, ids, unique);
                            requests.push(open);
                        }
                    }
                }
            }
        }
    }
    requests
        .into_iter()
        .map(|mut r| {
            r.members.sort_unstable();
            r.members
        })
        .collect()
}

/// A request being filled by [`plan`].
#[derive(Default)]
struct Open<'a> {
    members: Vec<usize>,
    /// Its `command_id`s, kept only when some are repeated across the commands.
    ids: HashSet<&'a str>,
}

impl<'a> Open<'a> {
    fn fits(&self, unit: &[usize], ids: &[&str], unique: bool) -> bool {
        self.members.len() + unit.len() <= MAX_COMMANDS_PER_REQUEST
            && (unique || unit.iter().all(|&i| !self.ids.contains(ids[i])))
    }

    fn add(&mut self, unit: &[usize], ids: &[&'a str], unique: bool) {
        self.members.extend_from_slice(unit);
        if !unique {
            self.ids.extend(unit.iter().map(|&i| ids[i]));
        }
    }
}

/// The command indices of each owner, owners in order of first appearance. Owners are event or
/// message indices, so a vector indexed by owner groups them without hashing.
fn units(owners: &[usize]) -> Vec<Vec<usize>> {
    let mut unit_of: Vec<Option<usize>> =
        vec![None; owners.iter().map(|o| o + 1).max().unwrap_or(0)];
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (index, &owner) in owners.iter().enumerate() {
        match unit_of[owner] {
            Some(unit) => units[unit].push(index),
            None => {
                unit_of[owner] = Some(units.len());
                units.push(vec![index]);
            }
        }
    }
    units
}

fn distinct<'a>(mut ids: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    ids.all(|id| seen.insert(id))
}

/// Packs the mapper's commands (each with its event's index, in event order) into requests:
/// `command_id`s made unique across the whole body first (a repeated `messageId` gets `#2`,
/// `#3`…), then each command serialized once, straight into its request's body. `keys` is
/// empty, or each command's ledger key.
pub(crate) fn pack_drafts(
    mut drafts: Vec<(Draft, usize)>,
    mut keys: Vec<Option<String>>,
    target: &RequestTarget,
) -> Vec<BatchRequest> {
    make_ids_unique(&mut drafts);
    let owners: Vec<usize> = drafts.iter().map(|(_, event)| *event).collect();
    let ids: Vec<&str> = drafts.iter().map(|(d, _)| &*d.command_id).collect();
    let plan = plan(&owners, &ids);
    let mut body_capacity = 4096;
    plan.into_iter()
        .map(|members| {
            let mut body = Vec::with_capacity(body_capacity);
            let commands = write_body(
                &mut body,
                members.iter().map(|&i| {
                    let (draft, event_index) = &drafts[i];
                    Entry {
                        event_index: *event_index,
                        command_id: &draft.command_id,
                        origin: draft.origin,
                        ledger_key: keys.get_mut(i).and_then(Option::take),
                        command: Written::Draft(draft),
                    }
                }),
            );
            // serde_json writes only valid UTF-8.
            let body = String::from_utf8(body).expect("serde_json writes UTF-8");
            body_capacity = body.len() + body.len() / 8;
            BatchRequest {
                url: target.url.clone(),
                authorization: target.authorization.clone(),
                body,
                commands,
            }
        })
        .collect()
}

/// Packs commands already written as JSON again, by the same [`plan`]: a retry of what is still
/// pending, or a queue batch. Each body is sized once and written by concatenation.
pub fn repack(commands: Vec<PendingCommand>, target: &RequestTarget) -> Vec<BatchRequest> {
    let owners: Vec<usize> = commands.iter().map(|c| c.owner).collect();
    let ids: Vec<&str> = commands.iter().map(|c| c.command_id.as_str()).collect();
    plan(&owners, &ids)
        .into_iter()
        .map(|members| {
            let size = BODY_OPEN.len()
                + members
                    .iter()
                    .map(|&i| commands[i].json.len() + 1)
                    .sum::<usize>()
                + BODY_CLOSE.len();
            let mut body = Vec::with_capacity(size);
            let sources = write_body(
                &mut body,
                members.iter().map(|&i| {
                    let c = &commands[i];
                    Entry {
                        event_index: c.owner,
                        command_id: &c.command_id,
                        origin: None,
                        ledger_key: c.ledger_key.clone(),
                        command: Written::Text(&c.json),
                    }
                }),
            );
            BatchRequest {
                url: target.url.clone(),
                authorization: target.authorization.clone(),
                body: String::from_utf8(body).expect("commands are UTF-8 text"),
                commands: sources,
            }
        })
        .collect()
}

const BODY_OPEN: &str = r#"{"commands":["#;
const BODY_CLOSE: &str = "]}";

/// A command to write into a body: one to serialize, or its JSON text.
enum Written<'d, 'a> {
    Draft(&'d Draft<'a>),
    Text(&'d str),
}

/// One command for [`write_body`]: what it is, where it comes from, and how to write it.
struct Entry<'d, 'a> {
    event_index: usize,
    command_id: &'d str,
    origin: Option<&'d str>,
    ledger_key: Option<String>,
    command: Written<'d, 'a>,
}

/// Writes `{"commands":[...]}` into `body` and says where each command is in it.
fn write_body<'d, 'a: 'd>(
    body: &mut Vec<u8>,
    entries: impl Iterator<Item = Entry<'d, 'a>>,
) -> Vec<CommandSource> {
    body.extend_from_slice(BODY_OPEN.as_bytes());
    let mut sources = Vec::with_capacity(MAX_COMMANDS_PER_REQUEST);
    for (i, entry) in entries.enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let start = body.len();
        match entry.command {
            Written::Draft(draft) => serde_json::to_writer(&mut *body, draft)
                .expect("commands serialize: string keys only"),
            Written::Text(text) => body.extend_from_slice(text.as_bytes()),
        }
        sources.push(CommandSource {
            event_index: entry.event_index,
            command_id: entry.command_id.to_string(),
            body_range: start..body.len(),
            origin: entry.origin.map(str::to_string),
            ledger_key: entry.ledger_key,
        });
    }
    body.extend_from_slice(BODY_CLOSE.as_bytes());
    sources
}

/// Two events with the same `messageId` (a sender's retry, say) get `#2`, `#3`… on the later
/// ones, across the whole body: every `command_id` stays unique and traceable to its event,
/// however the commands are packed and re-packed.
fn make_ids_unique(drafts: &mut [(Draft, usize)]) {
    let mut seen: HashSet<&str> = HashSet::with_capacity(drafts.len());
    if drafts.iter().all(|(c, _)| seen.insert(&c.command_id)) {
        return; // the usual case: nothing to rename, nothing copied
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(drafts.len());
    for (command, _) in drafts.iter_mut() {
        if !seen.contains(&*command.command_id) {
            seen.insert(command.command_id.to_string());
            continue;
        }
        let mut n = 2;
        let unique = loop {
            let candidate = format!("{}#{n}", command.command_id);
            if !seen.contains(&candidate) {
                break candidate;
            }
            n += 1;
        };
        seen.insert(unique.clone());
        command.command_id = Cow::Owned(unique);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens(plan: &[Vec<usize>]) -> Vec<usize> {
        plan.iter().map(Vec::len).collect()
    }

    #[test]
    fn one_command_events_fill_requests_in_order() {
        let owners: Vec<usize> = (0..120).collect();
        let ids: Vec<String> = (0..120).map(|i| format!("c{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let plan = plan(&owners, &ids);
        assert_eq!(lens(&plan), vec![50, 50, 20]);
        assert_eq!(plan[1], (50..100).collect::<Vec<_>>());
    }

    #[test]
    fn an_events_commands_stay_together_and_gaps_are_filled() {
        // 49 one-command events, a page with its session_ping, one more event: the pair goes to
        // the second request and the next event still fills the first.
        let mut owners: Vec<usize> = (0..49).collect();
        owners.extend([49, 49, 50]);
        let ids: Vec<String> = (0..52).map(|i| format!("c{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            plan(&owners, &ids),
            vec![(0..49).chain([51]).collect::<Vec<_>>(), vec![49, 50]]
        );
    }

    #[test]
    fn the_request_count_is_the_minimum_even_when_an_event_must_be_spread() {
        // 30 + 30 + 40 commands: 2 requests; the third event fits neither whole.
        let owners: Vec<usize> = [0; 30].into_iter().chain([1; 30]).chain([2; 40]).collect();
        let ids: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let plan = plan(&owners, &ids);
        assert_eq!(lens(&plan), vec![50, 50]);
        // An event of more than 50 commands is spread too.
        let owners = vec![7; 60];
        let ids: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(lens(&super::plan(&owners, &ids)), vec![50, 10]);
        assert!(super::plan(&[], &[]).is_empty());
    }

    #[test]
    fn equal_command_ids_never_share_a_request() {
        // A queue batch holding the same event twice (owners 0 and 2).
        let owners = [0, 1, 2];
        let ids = ["m", "n", "m"];
        assert_eq!(plan(&owners, &ids), vec![vec![0, 1], vec![2]]);
    }
}
