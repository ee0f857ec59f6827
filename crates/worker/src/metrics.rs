//! Delivery metrics: the Analytics Engine data points of a delivery round, one per call type (outcome, statuses, counts), and one for what the ledger spared; written by `metrics_dataset.rs`.
//!
//! A data point is `index1` = mode; blobs: mode, call type, outcome, upstream statuses, source; doubles:
//! attempt, commands, delivered, rejected, retry, in doubt, round duration (ms). docs/delivery.md lists
//! the layout and a query.

/// What became of one command in a round, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    Delivered,
    Rejected,
    Retry,
    /// No answer in time; awaited in the background.
    InDoubt,
}

/// One data point, ready for `writeDataPoint`.
#[derive(Clone, Debug, PartialEq)]
pub struct DataPoint {
    pub index: &'static str,
    pub blobs: [String; 5],
    pub doubles: [f64; 7],
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Tally {
    delivered: u32,
    rejected: u32,
    retry: u32,
    in_doubt: u32,
    statuses: Vec<u16>,
}

impl Tally {
    fn commands(&self) -> u32 {
        self.delivered + self.rejected + self.retry + self.in_doubt
    }

    fn outcome(&self) -> &'static str {
        let counts = [
            (self.delivered, "delivered"),
            (self.rejected, "rejected"),
            (self.retry, "retry"),
            (self.in_doubt, "in_doubt"),
        ];
        let mut nonzero = counts.iter().filter(|(n, _)| *n > 0);
        match (nonzero.next(), nonzero.next()) {
            (Some((_, only)), None) => only,
            _ => "mixed",
        }
    }
}

/// A round's commands counted by call type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundTally {
    by_type: Vec<(&'static str, Tally)>,
}

impl RoundTally {
    /// Counts one command of `call_type` whose request got `status` (0: no answer).
    pub fn add(&mut self, call_type: &'static str, counted: Counted, status: u16) {
        let tally = match self.by_type.iter().position(|(t, _)| *t == call_type) {
            Some(i) => &mut self.by_type[i].1,
            None => {
                self.by_type.push((call_type, Tally::default()));
                &mut self.by_type.last_mut().expect("just pushed").1
            }
        };
        match counted {
            Counted::Delivered => tally.delivered += 1,
            Counted::Rejected => tally.rejected += 1,
            Counted::Retry => tally.retry += 1,
            Counted::InDoubt => tally.in_doubt += 1,
        }
        // Kept in ascending order as they come (a handful at most).
        if let Err(at) = tally.statuses.binary_search(&status) {
            tally.statuses.insert(at, status);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// The round's data points, one per call type, in the order the types were first counted.
    pub fn points(
        &self,
        mode: &'static str,
        source: &str,
        attempt: u32,
        duration_ms: u64,
    ) -> Vec<DataPoint> {
        self.by_type
            .iter()
            .map(|(call_type, tally)| {
                let statuses: Vec<String> = tally.statuses.iter().map(u16::to_string).collect();
                DataPoint {
                    index: mode,
                    blobs: [
                        mode.to_string(),
                        (*call_type).to_string(),
                        tally.outcome().to_string(),
                        statuses.join(" "),
                        source.to_string(),
                    ],
                    doubles: [
                        f64::from(attempt),
                        f64::from(tally.commands()),
                        f64::from(tally.delivered),
                        f64::from(tally.rejected),
                        f64::from(tally.retry),
                        f64::from(tally.in_doubt),
                        duration_ms as f64,
                    ],
                }
            })
            .collect()
    }
}

/// Commands the ledger said Bloomreach already had (not sent), by call type: attempt 0, outcome
/// `already_delivered`, status `ledger`.
pub fn ledger_points(
    mode: &'static str,
    source: &str,
    hits: &[(&'static str, u32)],
) -> Vec<DataPoint> {
    hits.iter()
        .map(|(call_type, n)| DataPoint {
            index: mode,
            blobs: [
                mode.to_string(),
                (*call_type).to_string(),
                "already_delivered".to_string(),
                "ledger".to_string(),
                source.to_string(),
            ],
            doubles: [0.0, f64::from(*n), f64::from(*n), 0.0, 0.0, 0.0, 0.0],
        })
        .collect()
}

/// A call type as a static name (`unknown` for anything else), for a queued event's `type`.
pub fn call_type_name(name: Option<&str>) -> &'static str {
    const TYPES: [&str; 6] = ["track", "page", "screen", "identify", "group", "alias"];
    name.and_then(|n| TYPES.iter().copied().find(|t| *t == n))
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_gives_one_point_per_call_type() {
        let mut round = RoundTally::default();
        assert!(round.is_empty());
        round.add("track", Counted::Delivered, 200);
        round.add("track", Counted::Delivered, 200);
        round.add("page", Counted::Retry, 503);
        round.add("page", Counted::Delivered, 200);
        round.add("identify", Counted::InDoubt, 0);
        let points = round.points("direct", "web", 2, 41);
        assert_eq!(points.len(), 3);
        assert_eq!(
            points[0],
            DataPoint {
                index: "direct",
                blobs: [
                    "direct".into(),
                    "track".into(),
                    "delivered".into(),
                    "200".into(),
                    "web".into()
                ],
                doubles: [2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 41.0],
            }
        );
        assert_eq!(
            points[1].blobs[2..4],
            ["mixed".to_string(), "200 503".to_string()]
        );
        assert_eq!(points[1].doubles[1..6], [2.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            points[2].blobs[2..4],
            ["in_doubt".to_string(), "0".to_string()]
        );
        let hits = ledger_points("queue", "app", &[("group", 3)]);
        assert_eq!(hits[0].blobs[2], "already_delivered");
        assert_eq!(hits[0].blobs[4], "app");
        assert_eq!(hits[0].doubles[..3], [0.0, 3.0, 3.0]);
        assert_eq!(call_type_name(Some("alias")), "alias");
        assert_eq!(call_type_name(Some("Alias")), "unknown");
        assert_eq!(call_type_name(None), "unknown");
    }
}
