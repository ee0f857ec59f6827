//! Delivery bookkeeping without I/O: which events are delivered, rejected or still to retry, the backoff schedule, and the summary a sender gets.
//!
//! The Worker's direct mode and its queue consumer share this: commands are split out of the
//! core's batch requests, packed into requests of at most 50, and each command's outcome (from
//! [`crate::read_response`]) is recorded against the event (or queue message) it came from. An
//! event is done when every one of its commands is delivered or rejected; the rest is retried.

use crate::batch::{BatchRequest, EventIssue, MAX_COMMANDS_PER_REQUEST};
use crate::error::describe_event;
use crate::response::{read_response, CommandOutcome, Delivery};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One command still owed to Bloomreach, with the event (or queue message) it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCommand {
    /// The event's index in the request body, or the message's index in a queue batch.
    pub owner: usize,
    pub command_id: String,
    /// The command as JSON text, exactly as the mapping produced it.
    pub json: String,
}

/// Splits the core's requests back into single commands, so a retry can re-pack only what failed.
/// Each command is cut out of its body where the core wrote it ([`crate::batch::CommandSource::body_range`]);
/// the body is not read again.
pub fn split_requests(requests: &[BatchRequest]) -> Result<Vec<PendingCommand>, String> {
    let mut pending = Vec::with_capacity(requests.iter().map(|r| r.commands.len()).sum());
    for request in requests {
        for source in &request.commands {
            let json = request.body.get(source.body_range.clone()).ok_or_else(|| {
                format!(
                    "a command's range {:?} is outside its request body ({} bytes)",
                    source.body_range,
                    request.body.len()
                )
            })?;
            pending.push(PendingCommand {
                owner: source.event_index,
                command_id: source.command_id.clone(),
                json: json.to_string(),
            });
        }
    }
    Ok(pending)
}

/// Groups commands into requests of at most 50, never two equal `command_id`s in one request
/// (Bloomreach matches results to commands by it), and the commands of one owner together in one
/// request: a queue message is acked or retried whole, so an event split over two requests (a page
/// and its `session_ping`) would have its delivered half sent again when the other half failed.
/// Returns indices into `commands`, in order within each request.
pub fn pack(commands: &[PendingCommand]) -> Vec<Vec<usize>> {
    // Each owner's commands, owners in order of first appearance: `order` lists command indices
    // owner by owner, `units` are its runs. Owners are event or message indices, so vectors
    // indexed by owner count and place them without hashing or a vector per owner.
    let owners = commands.iter().map(|c| c.owner + 1).max().unwrap_or(0);
    let mut count = vec![0usize; owners];
    let mut owner_order = Vec::new();
    for command in commands {
        if count[command.owner] == 0 {
            owner_order.push(command.owner);
        }
        count[command.owner] += 1;
    }
    let mut next = vec![0usize; owners];
    let mut units: Vec<std::ops::Range<usize>> = Vec::with_capacity(owner_order.len());
    let mut start = 0;
    for &owner in &owner_order {
        next[owner] = start;
        units.push(start..start + count[owner]);
        start += count[owner];
    }
    let mut order = vec![0usize; commands.len()];
    for (index, command) in commands.iter().enumerate() {
        order[next[command.owner]] = index;
        next[command.owner] += 1;
    }
    // The usual case: every command_id differs (the core makes them unique within a body), so
    // no request needs its own set of IDs. Repeats happen when a queue batch holds the same
    // event twice.
    let mut seen = HashSet::with_capacity(commands.len());
    let unique = commands.iter().all(|c| seen.insert(c.command_id.as_str()));
    drop(seen);
    let mut groups: Vec<(Vec<usize>, HashSet<&str>)> = Vec::new();
    for unit in units {
        let unit = &order[unit];
        let whole = unit.len() <= MAX_COMMANDS_PER_REQUEST
            && (unique || {
                let ids: HashSet<&str> = unit
                    .iter()
                    .map(|&i| commands[i].command_id.as_str())
                    .collect();
                ids.len() == unit.len()
            });
        // An owner that cannot fit one request (never an event: it makes at most two commands)
        // goes command by command.
        let parts = unit.chunks(if whole { unit.len() } else { 1 });
        for part in parts {
            let open = groups.iter().position(|(members, group_ids)| {
                members.len() + part.len() <= MAX_COMMANDS_PER_REQUEST
                    && (unique
                        || part
                            .iter()
                            .all(|&i| !group_ids.contains(commands[i].command_id.as_str())))
            });
            let group = match open {
                Some(group) => group,
                None => {
                    groups.push((Vec::new(), HashSet::new()));
                    groups.len() - 1
                }
            };
            for &i in part {
                groups[group].0.push(i);
                if !unique {
                    groups[group].1.insert(commands[i].command_id.as_str());
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|(mut members, _)| {
            members.sort_unstable();
            members
        })
        .collect()
}

/// [`pack`], moving the commands into their requests.
pub fn pack_into_requests(commands: Vec<PendingCommand>) -> Vec<Vec<PendingCommand>> {
    let packing = pack(&commands);
    let mut slots: Vec<Option<PendingCommand>> = commands.into_iter().map(Some).collect();
    packing
        .into_iter()
        .map(|group| group.into_iter().filter_map(|i| slots[i].take()).collect())
        .collect()
}

/// `{"commands": [...]}` for the given commands.
pub fn request_body<'a>(commands: impl IntoIterator<Item = &'a PendingCommand>) -> String {
    const OPEN: &str = "{\"commands\":[";
    let commands: Vec<&PendingCommand> = commands.into_iter().collect();
    // Sized once: a 40 KB body grown by doubling was reallocated about a dozen times.
    let size = OPEN.len() + commands.iter().map(|c| c.json.len() + 1).sum::<usize>() + 2;
    let mut body = String::with_capacity(size);
    body.push_str(OPEN);
    for (i, command) in commands.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&command.json);
    }
    body.push_str("]}");
    body
}

/// [`read_response`], except that 401 and 403 are retried instead of rejected: they say the
/// Worker's own credentials or project are wrong, not the events, so the events wait (sender
/// retry on 503, or the queue and its dead-letter queue) until the operator fixes the configuration.
pub fn classify_response(command_ids: &[&str], status: u16, body: &str) -> Vec<CommandOutcome> {
    let mut outcomes = read_response(command_ids, status, body);
    if matches!(status, 401 | 403) {
        for outcome in &mut outcomes {
            outcome.outcome = Delivery::Retry;
            outcome.message = Some(format!(
                "HTTP {status} from Bloomreach: it refused the Worker's credentials; check BLOOMREACH_API_KEY, BLOOMREACH_API_SECRET, BLOOMREACH_PROJECT_TOKEN and the API group's permissions (the events are kept for a retry)"
            ));
        }
    }
    outcomes
}

/// A command Bloomreach refused for good.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandRejection {
    pub command_id: String,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
struct OwnerProgress {
    outstanding: usize,
    rejections: Vec<CommandRejection>,
    last_retry_reason: Option<String>,
}

/// Where an event (or queue message) stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Every command was saved.
    Delivered,
    /// Every command ended, and at least one was refused for good.
    Rejected(Vec<CommandRejection>),
    /// Some command still needs sending; the last reason it failed.
    Pending(String),
}

/// The outcome of every command so far, by owner.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// By owner index (event or queue message); `None` for an owner with no commands.
    owners: Vec<Option<OwnerProgress>>,
}

impl Ledger {
    /// Starts with every command of `commands` outstanding.
    pub fn new(commands: &[PendingCommand]) -> Ledger {
        let mut ledger = Ledger::default();
        for command in commands {
            ledger.progress(command.owner).outstanding += 1;
        }
        ledger
    }

    /// Records what became of `sent` (one request's commands) and returns the ones to send again.
    /// `outcomes` is [`crate::read_response`]'s answer for that request, in the same order.
    pub fn record(
        &mut self,
        sent: Vec<PendingCommand>,
        outcomes: &[CommandOutcome],
    ) -> Vec<PendingCommand> {
        let mut again = Vec::new();
        for (index, command) in sent.into_iter().enumerate() {
            let outcome = outcomes.get(index);
            let progress = self.progress(command.owner);
            match outcome.map(|o| o.outcome) {
                Some(Delivery::Delivered) => {
                    progress.outstanding = progress.outstanding.saturating_sub(1)
                }
                Some(Delivery::Rejected) => {
                    progress.outstanding = progress.outstanding.saturating_sub(1);
                    progress.rejections.push(CommandRejection {
                        command_id: command.command_id.clone(),
                        message: outcome
                            .and_then(|o| o.message.clone())
                            .unwrap_or_else(|| "Bloomreach rejected the command".into()),
                    });
                }
                Some(Delivery::Retry) | None => {
                    progress.last_retry_reason = Some(
                        outcome
                            .and_then(|o| o.message.clone())
                            .unwrap_or_else(|| "no outcome was read for this command".into()),
                    );
                    again.push(command);
                }
            }
        }
        again
    }

    /// Every owner with its fate, in owner order.
    pub fn fates(&self) -> impl Iterator<Item = (usize, Fate)> + '_ {
        let present = self.owners.iter().enumerate();
        let present = present.filter_map(|(owner, progress)| Some((owner, progress.as_ref()?)));
        present.map(|(owner, progress)| {
            let fate = if progress.outstanding > 0 {
                Fate::Pending(
                    progress
                        .last_retry_reason
                        .clone()
                        .unwrap_or_else(|| "not sent yet".into()),
                )
            } else if progress.rejections.is_empty() {
                Fate::Delivered
            } else {
                Fate::Rejected(progress.rejections.clone())
            };
            (owner, fate)
        })
    }

    /// The progress of `owner`, started if it has none yet.
    fn progress(&mut self, owner: usize) -> &mut OwnerProgress {
        if self.owners.len() <= owner {
            self.owners.resize(owner + 1, None);
        }
        self.owners[owner].get_or_insert_with(OwnerProgress::default)
    }
}

/// How long to keep trying, how long one attempt may take, and how long to wait in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Everything, waits included, must end within this (a sender waits ~5 s).
    pub budget_ms: u64,
    /// One request may take at most this long before it counts as "no response".
    pub attempt_timeout_ms: u64,
    /// The first backoff; it doubles on each retry, up to `max_delay_ms`.
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// No attempt is started with less time than this left.
    pub min_attempt_ms: u64,
}

/// When and for how long to try once more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextAttempt {
    pub wait_ms: u64,
    pub timeout_ms: u64,
}

impl RetryPolicy {
    /// Direct mode: answer within ~4 s so Segment's 5 s timeout is never hit.
    pub const DIRECT: RetryPolicy = RetryPolicy {
        budget_ms: 4_000,
        attempt_timeout_ms: 2_500,
        base_delay_ms: 100,
        max_delay_ms: 1_000,
        min_attempt_ms: 300,
    };

    /// Timeout of the first attempt.
    pub fn first_attempt_timeout_ms(&self) -> u64 {
        self.attempt_timeout_ms.min(self.budget_ms)
    }

    /// Exponential backoff with "equal jitter": half the delay fixed, half random.
    /// `retry` counts from 0 (the wait before the second attempt); `jitter` is in [0, 1).
    pub fn backoff_ms(&self, retry: u32, jitter: f64) -> u64 {
        let full = self
            .base_delay_ms
            .saturating_mul(1u64 << retry.min(20))
            .min(self.max_delay_ms);
        let jitter = jitter.clamp(0.0, 1.0);
        full / 2 + ((full - full / 2) as f64 * jitter) as u64
    }

    /// The next attempt after `elapsed_ms`, honouring the upstream's `Retry-After` when it fits;
    /// `None` when no useful attempt fits in what is left of the budget.
    pub fn next_attempt(
        &self,
        elapsed_ms: u64,
        retry: u32,
        jitter: f64,
        retry_after_ms: Option<u64>,
    ) -> Option<NextAttempt> {
        let wait_ms = self
            .backoff_ms(retry, jitter)
            .max(retry_after_ms.unwrap_or(0));
        let left = self.budget_ms.checked_sub(elapsed_ms + wait_ms)?;
        if left < self.min_attempt_ms {
            return None;
        }
        Some(NextAttempt {
            wait_ms,
            timeout_ms: self.attempt_timeout_ms.min(left),
        })
    }
}

/// `Retry-After` in delta-seconds (the form Bloomreach and most APIs send), as milliseconds.
/// An HTTP date or anything else unreadable is `None`.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) || value.len() > 9 {
        return None;
    }
    value.parse::<u64>().ok().map(|s| s * 1000)
}

/// The `Retry-After` (seconds) to give a sender when delivery is left incomplete: the
/// upstream's own when it gave one, else a short default; between 1 s and 60 s.
pub fn sender_retry_after_secs(upstream_retry_after_ms: Option<u64>) -> u64 {
    const DEFAULT_SECS: u64 = 2;
    match upstream_retry_after_ms {
        Some(ms) => ms.div_ceil(1000).clamp(1, 60),
        None => DEFAULT_SECS,
    }
}

/// Queue mode: the delay before a message is offered again. It is as long as the message has
/// already waited (so it roughly doubles on each attempt), at least 1 s and at most 5 minutes,
/// and never shorter than the upstream's `Retry-After`.
pub fn queue_retry_delay_secs(message_age_ms: u64, retry_after_ms: Option<u64>) -> u32 {
    const MIN_SECS: u64 = 1;
    const MAX_SECS: u64 = 300;
    let secs = message_age_ms
        .div_ceil(1000)
        .max(retry_after_ms.unwrap_or(0).div_ceil(1000));
    secs.clamp(MIN_SECS, MAX_SECS) as u32
}

/// Queue mode: splits messages (their serialized sizes, in order) into `sendBatch` calls of at
/// most `max_count` messages and `max_bytes` in total. Returns index ranges.
pub fn chunk_for_send(
    sizes: &[usize],
    max_count: usize,
    max_bytes: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, size) in sizes.iter().enumerate() {
        let full = index - start >= max_count || (index > start && bytes + size > max_bytes);
        if full {
            chunks.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        chunks.push(start..sizes.len());
    }
    chunks
}

/// The JSON answer to an ingest request: what happened to every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    /// Events in the request body.
    pub received: usize,
    /// Direct mode: events whose every command Bloomreach saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<usize>,
    /// Queue mode: events put on the delivery queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<usize>,
    /// Events refused by the mapping or by Bloomreach, for good.
    pub rejected: Vec<EventIssue>,
    /// Events skipped by design (opted out, alias without userId).
    pub skipped: Vec<EventIssue>,
    /// Direct mode: events still to deliver (the answer is then 503; send the request again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<EventIssue>,
    /// Direct mode: how many commands were sent again after a retryable failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried: Option<usize>,
}

impl DeliverySummary {
    /// The direct-mode summary: mapping issues plus each event's fate from the ledger.
    /// `message_ids[i]` is the `messageId` of event `i`, where it has one.
    pub fn direct(
        received: usize,
        mut rejected: Vec<EventIssue>,
        skipped: Vec<EventIssue>,
        ledger: &Ledger,
        message_ids: &[Option<String>],
        retried: usize,
    ) -> DeliverySummary {
        let mut delivered = 0;
        let mut pending = Vec::new();
        let message_id = |index: usize| message_ids.get(index).cloned().flatten();
        for (index, fate) in ledger.fates() {
            let issue = |code: &'static str, detail: String| {
                let message_id = message_id(index);
                let name = describe_event(Some(index), message_id.as_deref());
                EventIssue {
                    index,
                    code,
                    message: format!("{name}: {detail}"),
                    message_id,
                }
            };
            match fate {
                Fate::Delivered => delivered += 1,
                Fate::Rejected(rejections) => {
                    rejected.push(issue("bloomreach_rejected", join_rejections(&rejections)))
                }
                Fate::Pending(reason) => pending.push(issue("delivery_pending", reason)),
            }
        }
        rejected.sort_by_key(|issue| issue.index);
        DeliverySummary {
            received,
            delivered: Some(delivered),
            queued: None,
            rejected,
            skipped,
            pending,
            retried: Some(retried),
        }
    }

    /// The queue-mode summary: events queued, and the mapping's rejections and skips.
    pub fn queued(
        received: usize,
        queued: usize,
        rejected: Vec<EventIssue>,
        skipped: Vec<EventIssue>,
    ) -> DeliverySummary {
        DeliverySummary {
            received,
            delivered: None,
            queued: Some(queued),
            rejected,
            skipped,
            pending: Vec::new(),
            retried: None,
        }
    }

    /// Whether the sender must send the request again.
    pub fn is_incomplete(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// "Bloomreach rejected the command: …" for one rejection, each prefixed by its command when several.
pub fn join_rejections(rejections: &[CommandRejection]) -> String {
    match rejections {
        [one] => one.message.clone(),
        many => many
            .iter()
            .map(|r| format!("{}: {}", r.command_id, r.message))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::build_requests;
    use crate::response::read_response;
    use crate::settings::Settings;
    use serde_json::json;

    fn settings() -> Settings {
        Settings::from_json_value(&json!({
            "apiKey": "k", "projectToken": "p", "exponeaHardId": "registered", "exponeaSoftId": "cookie"
        }))
        .unwrap()
    }

    fn track(id: &str) -> serde_json::Value {
        json!({"type": "track", "event": "E", "userId": "u", "messageId": id})
    }

    fn command(owner: usize, id: &str) -> PendingCommand {
        PendingCommand {
            owner,
            command_id: id.into(),
            json: format!("{{\"command_id\":\"{id}\"}}"),
        }
    }

    fn ids(commands: &[PendingCommand]) -> Vec<&str> {
        commands.iter().map(|c| c.command_id.as_str()).collect()
    }

    #[test]
    fn split_keeps_every_command_with_its_event() {
        let events: Vec<_> = (0..120).map(|i| track(&format!("m{i}"))).collect();
        let output = build_requests(events, &settings());
        assert_eq!(output.requests.len(), 3);
        let pending = split_requests(&output.requests).unwrap();
        assert_eq!(pending.len(), 120);
        assert_eq!(pending[77].owner, 77);
        assert_eq!(pending[77].command_id, "m77");
        assert_eq!(
            request_body(&pending[0..50]),
            output.requests[0].body,
            "re-packed body equals the core's, byte for byte"
        );
        let command: serde_json::Value = serde_json::from_str(&pending[77].json).unwrap();
        assert_eq!(command["command_id"], "m77");
    }

    #[test]
    fn pack_keeps_fifty_per_request_and_ids_unique() {
        let mut commands: Vec<_> = (0..120).map(|i| command(i, &format!("c{i}"))).collect();
        commands.push(command(200, "c3"));
        commands.push(command(201, "c3"));
        let groups = pack(&commands);
        assert_eq!(
            groups.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![50, 50, 21, 1]
        );
        for group in &groups {
            let ids: HashSet<_> = group.iter().map(|&i| &commands[i].command_id).collect();
            assert_eq!(ids.len(), group.len(), "duplicate command_id in a request");
        }
        let all: HashSet<usize> = groups.iter().flatten().copied().collect();
        assert_eq!(all.len(), commands.len());
        assert!(pack(&[]).is_empty());
    }

    #[test]
    fn pack_keeps_an_owners_commands_in_one_request() {
        // 49 one-command events, then a page and its session_ping: both go to the second request,
        // and the next one-command event still fills the first.
        let mut commands: Vec<_> = (0..49).map(|i| command(i, &format!("e{i}"))).collect();
        commands.push(command(49, "page"));
        commands.push(command(49, "page:session_ping"));
        commands.push(command(50, "e50"));
        let groups = pack(&commands);
        assert_eq!(
            groups,
            vec![(0..49).chain([51]).collect::<Vec<_>>(), vec![49, 50]]
        );
        // An owner over 50 commands (a queue batch never has one) still goes, split.
        let many: Vec<_> = (0..60).map(|i| command(0, &format!("m{i}"))).collect();
        assert_eq!(
            pack(&many).iter().map(Vec::len).collect::<Vec<_>>(),
            vec![50, 10]
        );
    }

    #[test]
    fn ledger_settles_events_by_all_their_commands() {
        // Event 0 has two commands; event 1 one; event 2 one.
        let sent = vec![
            command(0, "a"),
            command(0, "a:session_ping"),
            command(1, "b"),
            command(2, "c"),
        ];
        let mut ledger = Ledger::new(&sent);
        let body = r#"{"success": true, "results": [
            {"success": true}, {"success": false, "errors": ["bad"]}, {"success": true}]}"#;
        // Only 3 results for 4 commands: the last is to retry.
        let outcomes = read_response(&["a", "a:session_ping", "b", "c"], 200, body);
        let again = ledger.record(sent, &outcomes);
        assert_eq!(ids(&again), vec!["c"]);
        let fates: Vec<_> = ledger.fates().collect();
        assert_eq!(fates[1], (1, Fate::Delivered));
        assert!(matches!(&fates[0].1, Fate::Rejected(r) if r[0].command_id == "a:session_ping"));
        assert!(matches!(&fates[2].1, Fate::Pending(why) if why.contains("no result")));

        let outcomes = read_response(&["c"], 500, "oops");
        let again = ledger.record(again, &outcomes);
        assert_eq!(ids(&again), vec!["c"]);
        let outcomes = read_response(
            &["c"],
            200,
            r#"{"success":true,"results":[{"success":true}]}"#,
        );
        assert!(ledger.record(again, &outcomes).is_empty());
        assert_eq!(ledger.fates().nth(2).unwrap().1, Fate::Delivered);
    }

    #[test]
    fn credentials_refused_is_retried_not_rejected() {
        let outcomes = classify_response(
            &["a"],
            401,
            r#"{"success":false,"errors":["Invalid authorization"]}"#,
        );
        assert_eq!(outcomes[0].outcome, Delivery::Retry);
        assert!(outcomes[0]
            .message
            .as_deref()
            .unwrap()
            .contains("BLOOMREACH_API_KEY"));
        assert_eq!(
            classify_response(&["a"], 403, "")[0].outcome,
            Delivery::Retry
        );
        assert_eq!(
            classify_response(&["a"], 400, "")[0].outcome,
            Delivery::Rejected
        );
        assert_eq!(
            classify_response(
                &["a"],
                200,
                r#"{"success":true,"results":[{"success":true}]}"#
            )[0]
            .outcome,
            Delivery::Delivered
        );
    }

    #[test]
    fn no_response_retries_everything() {
        let sent = vec![command(0, "a"), command(1, "b")];
        let mut ledger = Ledger::new(&sent);
        let again = ledger.record(sent, &read_response(&["a", "b"], 0, ""));
        assert_eq!(ids(&again), vec!["a", "b"]);
        assert!(ledger.fates().all(|(_, f)| matches!(f, Fate::Pending(_))));
    }

    #[test]
    fn backoff_doubles_with_equal_jitter_and_caps() {
        let p = RetryPolicy::DIRECT;
        assert_eq!(p.backoff_ms(0, 0.0), 50);
        assert_eq!(p.backoff_ms(0, 0.999), 99);
        assert_eq!(p.backoff_ms(1, 0.0), 100);
        assert_eq!(p.backoff_ms(3, 0.0), 400);
        assert_eq!(p.backoff_ms(10, 0.0), 500);
        assert_eq!(p.backoff_ms(63, 1.0), 1000);
    }

    #[test]
    fn next_attempt_fits_the_budget() {
        let p = RetryPolicy::DIRECT;
        assert_eq!(
            p.next_attempt(100, 0, 0.0, None),
            Some(NextAttempt {
                wait_ms: 50,
                timeout_ms: 2_500
            })
        );
        // Late in the budget the attempt gets what is left.
        assert_eq!(
            p.next_attempt(2_600, 0, 0.0, None),
            Some(NextAttempt {
                wait_ms: 50,
                timeout_ms: 1_350
            })
        );
        // Nothing useful fits.
        assert_eq!(p.next_attempt(3_700, 0, 0.0, None), None);
        assert_eq!(p.next_attempt(5_000, 0, 0.0, None), None);
        // Retry-After is honoured when it fits, and gives up when it does not.
        assert_eq!(
            p.next_attempt(100, 0, 0.0, Some(1_000)).unwrap().wait_ms,
            1_000
        );
        assert_eq!(p.next_attempt(100, 0, 0.0, Some(30_000)), None);
        assert_eq!(p.first_attempt_timeout_ms(), 2_500);
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("1"), Some(1_000));
        assert_eq!(parse_retry_after(" 30 "), Some(30_000));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(sender_retry_after_secs(None), 2);
        assert_eq!(sender_retry_after_secs(Some(1)), 1);
        assert_eq!(sender_retry_after_secs(Some(3_500)), 4);
        assert_eq!(sender_retry_after_secs(Some(600_000)), 60);
    }

    #[test]
    fn queue_delay_grows_with_the_message_age() {
        assert_eq!(queue_retry_delay_secs(0, None), 1);
        assert_eq!(queue_retry_delay_secs(1_200, None), 2);
        assert_eq!(queue_retry_delay_secs(8_000, None), 8);
        assert_eq!(queue_retry_delay_secs(1_000, Some(20_000)), 20);
        assert_eq!(queue_retry_delay_secs(86_400_000, None), 300);
    }

    #[test]
    fn send_chunks_respect_count_and_bytes() {
        assert_eq!(chunk_for_send(&[], 100, 1000), vec![]);
        assert_eq!(
            chunk_for_send(&[1; 250], 100, 1000),
            vec![0..100, 100..200, 200..250]
        );
        assert_eq!(
            chunk_for_send(&[400, 400, 400, 10], 100, 1000),
            vec![0..2, 2..4]
        );
        // One message over the byte limit still goes, alone.
        assert_eq!(
            chunk_for_send(&[5, 2000, 5], 100, 1000),
            vec![0..1, 1..2, 2..3]
        );
    }

    #[test]
    fn summary_lists_every_event_once() {
        let sent = vec![command(0, "a"), command(2, "c"), command(3, "d")];
        let mut ledger = Ledger::new(&sent);
        let body = r#"{"success": true, "results": [{"success": true}, {"success": false, "errors": ["At least one id should be specified."]}, {"success": true}]}"#;
        let again = ledger.record(sent, &read_response(&["a", "c", "d"], 200, body));
        assert!(again.is_empty());
        let mapping_rejection = EventIssue {
            index: 1,
            message_id: None,
            code: "missing_identity",
            message: "event 1: no id".into(),
        };
        let summary = DeliverySummary::direct(
            5,
            vec![mapping_rejection],
            vec![],
            &ledger,
            &[Some("a".into()), None, Some("c".into()), Some("d".into())],
            0,
        );
        assert!(!summary.is_incomplete());
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            json!({
                "received": 5,
                "delivered": 2,
                "rejected": [
                    {"index": 1, "code": "missing_identity", "message": "event 1: no id"},
                    {"index": 2, "messageId": "c", "code": "bloomreach_rejected",
                     "message": "event 2 (messageId \"c\"): Bloomreach rejected the command: At least one id should be specified."}
                ],
                "skipped": [],
                "retried": 0
            })
        );
        let queued = DeliverySummary::queued(3, 2, vec![], vec![]);
        assert_eq!(
            serde_json::to_value(&queued).unwrap(),
            json!({"received": 3, "queued": 2, "rejected": [], "skipped": []})
        );
    }
}
