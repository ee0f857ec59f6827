//! The outcome of every command so far, by the event (or queue message) it belongs to: an event is done when all its commands are delivered or rejected; the rest is sent again.

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
    /// Starts with every command of `requests` outstanding.
    pub fn new<'r>(requests: impl IntoIterator<Item = &'r BatchRequest>) -> Ledger {
        let mut ledger = Ledger::default();
        for request in requests {
            for command in &request.commands {
                ledger.progress(command.event_index).outstanding += 1;
            }
        }
        ledger
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
            })
            .collect();
        let mut requests = repack(pending, &target());
        assert_eq!(requests.len(), 1);
        requests.remove(0)
    }

    pub(crate) fn ledger_of(requests: &[&BatchRequest]) -> Ledger {
        Ledger::new(requests.iter().copied())
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
    fn ledger_settles_events_by_all_their_commands() {
        // Event 0 has two commands; event 1 one; event 2 one.
        let sent = request(&[(0, "a"), (0, "a:session_ping"), (1, "b"), (2, "c")]);
        let mut ledger = ledger_of(&[&sent]);
        let body = r#"{"success": true, "results": [
            {"success": true}, {"success": false, "errors": ["bad"]}, {"success": true}]}"#;
        // Only 3 results for 4 commands: the last is to retry.
        let outcomes = read_response(&["a", "a:session_ping", "b", "c"], 200, body);
        let again = ledger.record(&sent, &outcomes);
        assert_eq!(ids(&again), vec!["c"]);
        assert_eq!(
            again[0].json, r#"{"command_id":"c"}"#,
            "cut from the body as sent"
        );
        let fates: Vec<_> = ledger.fates().collect();
        assert_eq!(fates[1], (1, Fate::Delivered));
        assert!(matches!(&fates[0].1, Fate::Rejected(r) if r[0].command_id == "a:session_ping"));
        assert!(matches!(&fates[2].1, Fate::Pending(why) if why.contains("no result")));

        let again = repacked(again);
        let outcomes = read_response(&["c"], 500, "oops");
        let again = ledger.record(&again, &outcomes);
        assert_eq!(ids(&again), vec!["c"]);
        let again = repacked(again);
        let outcomes = read_response(
            &["c"],
            200,
            r#"{"success":true,"results":[{"success":true}]}"#,
        );
        assert!(ledger.record(&again, &outcomes).is_empty());
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
        let sent = request(&[(0, "a"), (1, "b")]);
        let mut ledger = ledger_of(&[&sent]);
        let again = ledger.record(&sent, &read_response(&["a", "b"], 0, ""));
        assert_eq!(ids(&again), vec!["a", "b"]);
        assert!(ledger.fates().all(|(_, f)| matches!(f, Fate::Pending(_))));
    }
}
