//! The outcome of every command so far, by the event (or queue message) it belongs to: an event is done when all its commands are delivered or rejected; the rest is sent again or held.

use segment_bloomreach::{read_response, BatchRequest, CommandOutcome, Delivery, PendingCommand};
use serde::Serialize;

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
    commands: usize,
    /// Commands the delivery ledger said Bloomreach already had.
    known: usize,
    outstanding: usize,
    rejections: Vec<CommandRejection>,
    last_retry_reason: Option<String>,
    /// The latest end of a lease holding one of its commands.
    held_until: Option<u64>,
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

/// What became of a command that was not sent in a round, or whose answer is not awaited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Saved by Bloomreach in this run.
    Delivered,
    /// Saved by Bloomreach before: the delivery ledger says so (not sent again).
    AlreadyDelivered,
    /// Refused for good.
    Rejected(CommandRejection),
    /// Still owed but not to be sent again by this run (its answer may still come, or another
    /// delivery holds it): the event stays pending, for this reason, at most until the lease
    /// that holds it ends (ms since the epoch), when known.
    Held { reason: String, until: Option<u64> },
}

/// The outcome of every command so far, by owner.
#[derive(Clone, Debug, Default)]
pub struct Outcomes {
    /// By owner index (event or queue message); `None` for an owner with no commands.
    owners: Vec<Option<OwnerProgress>>,
}

impl Outcomes {
    /// Starts with every command of `requests` outstanding.
    pub fn new<'r>(requests: impl IntoIterator<Item = &'r BatchRequest>) -> Outcomes {
        let mut outcomes = Outcomes::default();
        for request in requests {
            for command in &request.commands {
                let progress = outcomes.progress(command.event_index);
                progress.commands += 1;
                progress.outstanding += 1;
            }
        }
        outcomes
    }

    /// Settles or holds one command of `owner` outside a round's answer.
    pub fn mark(&mut self, owner: usize, mark: Mark) {
        let progress = self.progress(owner);
        match mark {
            Mark::Delivered => progress.outstanding = progress.outstanding.saturating_sub(1),
            Mark::AlreadyDelivered => {
                progress.outstanding = progress.outstanding.saturating_sub(1);
                progress.known += 1;
            }
            Mark::Rejected(rejection) => {
                progress.outstanding = progress.outstanding.saturating_sub(1);
                progress.rejections.push(rejection);
            }
            Mark::Held { reason, until } => {
                progress.last_retry_reason = Some(reason);
                progress.held_until = progress.held_until.max(until);
            }
        }
    }

    /// Records what became of one request's commands and returns the ones to send again, cut
    /// out of the body as it was sent. `outcomes` is [`classify_response`]'s answer for that
    /// request, in body order.
    pub fn record(
        &mut self,
        request: &BatchRequest,
        outcomes: &[CommandOutcome],
    ) -> Vec<PendingCommand> {
        let mut again = Vec::new();
        for (index, command) in request.commands.iter().enumerate() {
            let outcome = outcomes.get(index);
            let progress = self.progress(command.event_index);
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
                    again.push(request.pending(index));
                }
            }
        }
        again
    }

    /// Whether every command of `owner` was known delivered before this run (none was sent).
    pub fn already_delivered(&self, owner: usize) -> bool {
        let progress = self.owners.get(owner).and_then(Option::as_ref);
        progress.is_some_and(|p| p.commands > 0 && p.known == p.commands)
    }

    /// When the last lease holding one of `owner`'s commands ends, if a lease holds one: a
    /// queue message held so comes back no sooner (a retry before then only finds it held).
    pub fn held_until(&self, owner: usize) -> Option<u64> {
        self.owners.get(owner)?.as_ref()?.held_until
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use segment_bloomreach::pack::repack;
    use segment_bloomreach::RequestTarget;

    fn target() -> RequestTarget {
        RequestTarget {
            url: "https://example.test/track/v2/projects/p/batch".into(),
            authorization: "Token k".into(),
        }
    }

    /// One request of the given (owner, command_id)s, each command `{"command_id":…}`.
    pub(crate) fn request(commands: &[(usize, &str)]) -> BatchRequest {
        let pending = commands
            .iter()
            .map(|&(owner, id)| PendingCommand {
                owner,
                command_id: id.into(),
                json: format!("{{\"command_id\":\"{id}\"}}"),
                ledger_key: Some(format!("m:{id}")),
            })
            .collect();
        let mut requests = repack(pending, &target());
        assert_eq!(requests.len(), 1);
        requests.remove(0)
    }

    pub(crate) fn outcomes_of(requests: &[&BatchRequest]) -> Outcomes {
        Outcomes::new(requests.iter().copied())
    }

    fn repacked(pending: Vec<PendingCommand>) -> BatchRequest {
        let mut requests = repack(pending, &target());
        assert_eq!(requests.len(), 1);
        requests.remove(0)
    }

    fn ids(commands: &[PendingCommand]) -> Vec<&str> {
        commands.iter().map(|c| c.command_id.as_str()).collect()
    }

    #[test]
    fn outcomes_settle_events_by_all_their_commands() {
        // Event 0 has two commands; event 1 one; event 2 one.
        let sent = request(&[(0, "a"), (0, "a:session_ping"), (1, "b"), (2, "c")]);
        let mut book = outcomes_of(&[&sent]);
        let body = r#"{"success": true, "results": [
            {"success": true}, {"success": false, "errors": ["bad"]}, {"success": true}]}"#;
        // Only 3 results for 4 commands: the last is to retry.
        let answer = read_response(&["a", "a:session_ping", "b", "c"], 200, body);
        let again = book.record(&sent, &answer);
        assert_eq!(ids(&again), vec!["c"]);
        assert_eq!(
            again[0].json, r#"{"command_id":"c"}"#,
            "cut from the body as sent"
        );
        let fates: Vec<_> = book.fates().collect();
        assert_eq!(fates[1], (1, Fate::Delivered));
        assert!(matches!(&fates[0].1, Fate::Rejected(r) if r[0].command_id == "a:session_ping"));
        assert!(matches!(&fates[2].1, Fate::Pending(why) if why.contains("no result")));

        let again = repacked(again);
        let answer = read_response(&["c"], 500, "oops");
        let again = book.record(&again, &answer);
        assert_eq!(ids(&again), vec!["c"]);
        let again = repacked(again);
        let answer = read_response(
            &["c"],
            200,
            r#"{"success":true,"results":[{"success":true}]}"#,
        );
        assert!(book.record(&again, &answer).is_empty());
        assert_eq!(book.fates().nth(2).unwrap().1, Fate::Delivered);
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
    fn marks_settle_or_hold_commands_outside_a_round() {
        let sent = request(&[(0, "a"), (0, "a:session_ping"), (1, "b"), (2, "c")]);
        let mut book = outcomes_of(&[&sent]);
        book.mark(0, Mark::AlreadyDelivered);
        book.mark(0, Mark::AlreadyDelivered);
        book.mark(
            1,
            Mark::Held {
                reason: "in flight elsewhere".into(),
                until: Some(9),
            },
        );
        book.mark(
            1,
            Mark::Held {
                reason: "in flight elsewhere".into(),
                until: None,
            },
        );
        let rejection = CommandRejection {
            command_id: "c".into(),
            message: "bad".into(),
        };
        book.mark(2, Mark::Rejected(rejection.clone()));
        assert!(book.already_delivered(0) && !book.already_delivered(1));
        assert_eq!((book.held_until(0), book.held_until(1)), (None, Some(9)));
        let fates: Vec<_> = book.fates().collect();
        assert_eq!(
            fates,
            [
                (0, Fate::Delivered),
                (1, Fate::Pending("in flight elsewhere".into())),
                (2, Fate::Rejected(vec![rejection])),
            ]
        );
    }

    #[test]
    fn no_response_retries_everything() {
        let sent = request(&[(0, "a"), (1, "b")]);
        let mut outcomes = outcomes_of(&[&sent]);
        let again = outcomes.record(&sent, &read_response(&["a", "b"], 0, ""));
        assert_eq!(ids(&again), vec!["a", "b"]);
        assert!(outcomes.fates().all(|(_, f)| matches!(f, Fate::Pending(_))));
    }
}
