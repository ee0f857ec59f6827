//! The `mappings` setting compiled: an array of at most [`MAX_RULES`] rules, each with its
//! subscription and its mapping values, every problem reported with its path
//! (`mappings[2].properties.total`).

use super::fql::Subscription;
use super::js::kind_of;
use super::kit::{Mapping, PayloadReads};
use super::problem::Problem;
use serde_json::{Map, Value};

/// The most rules the `mappings` setting may hold.
pub const MAX_RULES: usize = 100;

/// The keys a rule may have.
const RULE_KEYS: [&str; 9] = [
    "name",
    "subscribe",
    "command",
    "eventType",
    "properties",
    "forEach",
    "customerIds",
    "timestamp",
    "keepDefault",
];

/// Which Bloomreach command a rule sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// `customers/events`: an event with `event_type`, `properties`, `timestamp`.
    Event,
    /// `customers`: a customer update with `properties` (attributes) and `update_timestamp`.
    Customer,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// As written, or `rule <n>` for `mappings[n]`.
    pub name: String,
    pub command: CommandKind,
    /// Also send the classic mapping's commands for an event this rule takes.
    pub keep_default: bool,
    pub(crate) subscription: Subscription,
    /// Present exactly for [`CommandKind::Event`].
    pub(crate) event_type: Option<Mapping>,
    pub(crate) properties: Option<Mapping>,
    pub(crate) for_each: Option<Mapping>,
    pub(crate) customer_ids: Option<Mapping>,
    pub(crate) timestamp: Option<Mapping>,
    /// What this rule reads of an event ([`Rule::reads`]), found once.
    reads: PayloadReads,
}

/// What a rule reads of an event (see [`Rule::reads`]): its subscription's fields and what its
/// mapping values read.
fn reads_of(rule: &Rule) -> PayloadReads {
    let mut reads = subscription_reads_of(std::slice::from_ref(rule));
    let mappings = [
        &rule.event_type,
        &rule.properties,
        &rule.for_each,
        &rule.customer_ids,
        &rule.timestamp,
    ];
    for mapping in mappings.into_iter().flatten() {
        reads.add(mapping.reads());
    }
    reads
}

/// What `rules`' subscriptions read of an event (see [`RuleSet::subscription_reads`]).
fn subscription_reads_of(rules: &[Rule]) -> PayloadReads {
    let mut reads = PayloadReads::default();
    for rule in rules {
        for path in rule.subscription.field_paths() {
            reads.read(&path);
        }
    }
    reads
}

/// The `mappings` setting, compiled once and evaluated per event.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// What the rules read of an event ([`RuleSet::reads`]), found once.
    reads: PayloadReads,
    /// What their subscriptions read ([`RuleSet::subscription_reads`]), found once.
    subscription_reads: PayloadReads,
}

impl RuleSet {
    /// Compiles the value of the `mappings` setting (an array of rules). Every problem is listed,
    /// each with its path from `mappings`.
    pub fn compile(mappings: &Value) -> Result<RuleSet, Vec<Problem>> {
        let Some(list) = mappings.as_array() else {
            return Err(vec![Problem::new(
                "mappings",
                format!(
                    "must be an array of rules, got {}",
                    kind_of(mappings).name()
                ),
            )]);
        };
        if list.len() > MAX_RULES {
            return Err(vec![Problem::new(
                "mappings",
                format!("may hold at most {MAX_RULES} rules, got {}", list.len()),
            )]);
        }
        let mut problems = Vec::new();
        let mut rules = Vec::with_capacity(list.len());
        for (index, rule) in list.iter().enumerate() {
            let at = format!("mappings[{index}]");
            match compile_rule(index, rule) {
                Ok(rule) => rules.push(rule),
                Err(found) => problems.extend(found.into_iter().map(|p| p.under(&at))),
            }
        }
        if problems.is_empty() {
            let mut reads = PayloadReads::default();
            for rule in &mut rules {
                rule.reads = reads_of(rule);
                reads.add(&rule.reads);
            }
            let subscription_reads = subscription_reads_of(&rules);
            Ok(RuleSet {
                rules,
                reads,
                subscription_reads,
            })
        } else {
            Err(problems)
        }
    }

    /// What the rules read of an event: their subscriptions' fields and what their mapping
    /// values read (with `forEach`, what the item's mappings read of the event, and of `item` and
    /// `index` as if the event had them). Matching and emitting on
    /// [`PayloadReads::project`] of an event gives what they give on the event: a caller that holds
    /// the event in another form can build only that much of it as a `Value`.
    pub fn reads(&self) -> &PayloadReads {
        &self.reads
    }

    /// What the rules' subscriptions read of an event: matching on [`PayloadReads::project`] of
    /// an event by this gives what matching on the event gives, so a caller can build that much
    /// to find the rules that take an event, then each taking rule's [`Rule::reads`] to emit.
    pub fn subscription_reads(&self) -> &PayloadReads {
        &self.subscription_reads
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules whose subscription takes this event, in order.
    pub fn matching<'s>(&'s self, event: &'s Value) -> impl Iterator<Item = &'s Rule> + 's {
        self.rules.iter().filter(move |rule| rule.matches(event))
    }
}

impl Rule {
    /// What this rule reads of an event: its subscription's fields and what its mapping values
    /// read, as [`RuleSet::reads`] says for all rules. Matching and emitting on
    /// [`PayloadReads::project`] of an event by this gives what they give on the event.
    pub fn reads(&self) -> &PayloadReads {
        &self.reads
    }

    /// Whether the rule's subscription takes this event.
    pub fn matches(&self, event: &Value) -> bool {
        self.subscription.matches(event)
    }
}

/// One rule; problems' paths are relative to the rule.
fn compile_rule(index: usize, rule: &Value) -> Result<Rule, Vec<Problem>> {
    let Some(map) = rule.as_object() else {
        return Err(vec![Problem::new(
            "",
            format!("a rule must be an object, got {}", kind_of(rule).name()),
        )]);
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !RULE_KEYS.contains(&key.as_str()) {
            let mut path = super::problem::PathStack::default();
            path.push_key(key);
            problems.push(path.problem(format!(
                "is not a rule key (expected {})",
                RULE_KEYS.join(", ")
            )));
        }
    }
    let name = match present(map, "name") {
        None => Some(format!("rule {index}")),
        Some(Value::String(name)) if !name.trim().is_empty() => Some(name.clone()),
        Some(Value::String(_)) => {
            problems.push(Problem::new("name", "must not be empty"));
            None
        }
        Some(other) => {
            problems.push(Problem::new(
                "name",
                format!("must be a string, got {}", kind_of(other).name()),
            ));
            None
        }
    };
    let subscription = match present(map, "subscribe") {
        None => {
            problems.push(Problem::new("subscribe", "is required: an FQL query such as type = \"track\" and event = \"Order Completed\""));
            None
        }
        Some(Value::String(query)) => Subscription::parse(query)
            .map_err(|p| problems.push(p.under("subscribe")))
            .ok(),
        Some(other) => {
            problems.push(Problem::new(
                "subscribe",
                format!("must be a string, got {}", kind_of(other).name()),
            ));
            None
        }
    };
    let command = match present(map, "command") {
        None => Some(CommandKind::Event),
        Some(Value::String(c)) if c == "event" => Some(CommandKind::Event),
        Some(Value::String(c)) if c == "customer" => Some(CommandKind::Customer),
        Some(other) => {
            problems.push(Problem::new(
                "command",
                format!("must be \"event\" or \"customer\", got {other}"),
            ));
            None
        }
    };
    let keep_default = match present(map, "keepDefault") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.push(Problem::new(
                "keepDefault",
                format!("must be true or false, got {}", kind_of(other).name()),
            ));
            false
        }
    };
    let mut mapping = |key: &str| {
        present(map, key).and_then(|value| {
            Mapping::compile(value)
                .map_err(|found| problems.extend(found.into_iter().map(|p| p.under(key))))
                .ok()
        })
    };
    let event_type = mapping("eventType");
    let properties = mapping("properties");
    let for_each = mapping("forEach");
    let customer_ids = mapping("customerIds");
    let timestamp = mapping("timestamp");
    match (command, present(map, "eventType")) {
        (Some(CommandKind::Event), None) => problems.push(Problem::new(
            "eventType",
            "is required for command \"event\": a mapping value that gives the event's type",
        )),
        (Some(CommandKind::Customer), Some(_)) => problems.push(Problem::new(
            "eventType",
            "is only for command \"event\" (a customer update has no event type)",
        )),
        _ => {}
    }
    match (name, subscription, command) {
        (Some(name), Some(subscription), Some(command)) if problems.is_empty() => Ok(Rule {
            name,
            command,
            keep_default,
            subscription,
            event_type,
            properties,
            for_each,
            customer_ids,
            timestamp,
            reads: PayloadReads::default(),
        }),
        _ => Err(problems),
    }
}

/// A key's value, `null` counting as absent (a form that leaves a field empty sends `null`).
fn present<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rule_set_reads_its_subscriptions_fields_and_what_its_mappings_read() {
        let rules = RuleSet::compile(&json!([
            { "subscribe": "type = \"track\" and properties.price > 100", "eventType": "e",
              "properties": { "p": { "@path": "$.properties.price" }, "t": { "@template": "{{context.page.path}}" } } },
            { "subscribe": "context.device.type = \"ios\"", "command": "customer",
              "forEach": { "@path": "$.properties.products" }, "properties": { "sku": { "@path": "$.item.sku" } } },
        ]))
        .unwrap();
        let event = json!({ "type": "track", "event": "E", "userId": "u",
            "properties": { "price": 120, "products": [{ "sku": "a" }], "other": 1 },
            "context": { "page": { "path": "/", "url": "u" }, "device": { "type": "ios", "id": "d" }, "ip": "1" } });
        assert_eq!(
            rules.reads().project(&event),
            json!({ "type": "track", "properties": { "price": 120, "products": [{ "sku": "a" }] },
                "context": { "page": { "path": "/" }, "device": { "type": "ios" } } })
        );
    }
}
