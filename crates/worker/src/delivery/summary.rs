//! The JSON answer an ingest request gets: what became of every event.

use super::outcomes::{CommandRejection, Fate, Outcomes};
use segment_bloomreach::{Code, EventIssue};
use serde::Serialize;
use std::borrow::Cow;

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

/// `issues` in event order (a stable sort). One function for the direct and the queue summaries:
/// each call of `sort_by_key` with its own closure is another copy of std's sort in the wasm.
pub fn sort_by_event(issues: &mut [EventIssue]) {
    issues.sort_by_key(|issue| issue.index);
}

impl DeliverySummary {
    /// The direct-mode summary: mapping issues plus each event's fate.
    /// `message_ids[i]` is the `messageId` of event `i`, where it has one.
    pub fn direct(
        received: usize,
        mut rejected: Vec<EventIssue>,
        skipped: Vec<EventIssue>,
        outcomes: &Outcomes,
        message_ids: &[Option<Cow<str>>],
        retried: usize,
    ) -> DeliverySummary {
        let mut delivered = 0;
        let mut pending = Vec::new();
        let message_id = |index: usize| {
            let id = message_ids.get(index).and_then(Option::as_deref);
            id.map(str::to_string)
        };
        for (index, fate) in outcomes.fates() {
            let issue = |code: Code, detail: String| {
                EventIssue::of(index, message_id(index), code, &detail)
            };
            match fate {
                Fate::Delivered => delivered += 1,
                Fate::Rejected(rejections) => rejected.push(issue(
                    Code::BloomreachRejected,
                    join_rejections(&rejections),
                )),
                Fate::Pending(reason) => pending.push(issue(Code::DeliveryPending, reason)),
            }
        }
        sort_by_event(&mut rejected);
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
    use crate::delivery::outcomes::tests::{outcomes_of, request};
    use segment_bloomreach::read_response;
    use serde_json::json;

    #[test]
    fn summary_lists_every_event_once() {
        let sent = request(&[(0, "a"), (2, "c"), (3, "d")]);
        let mut outcomes = outcomes_of(&[&sent]);
        let body = r#"{"success": true, "results": [{"success": true}, {"success": false, "errors": ["At least one id should be specified."]}, {"success": true}]}"#;
        let again = outcomes.record(&sent, &read_response(&["a", "c", "d"], 200, body));
        assert!(again.is_empty());
        let mapping_rejection = EventIssue {
            index: 1,
            message_id: None,
            code: Code::MissingIdentity,
            message: "event 1: no id".into(),
        };
        let summary = DeliverySummary::direct(
            5,
            vec![mapping_rejection],
            vec![],
            &outcomes,
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
