//! The event as the user's rules see it: a `serde_json::Value` holding only what they read of it.
//!
//! The rules match and emit on a `Value`; the mapper holds the event in its own borrowed form.
//! Building the whole event as a `Value` copied every string of it, most of `context` included,
//! for rules that read a few fields. [`of`] copies only what a [`PayloadReads`] names: the
//! mapper asks for what the subscriptions read ([`RuleSet::subscription_reads`]), then for what
//! each rule that takes the event reads ([`Rule::reads`]). The rules give the same on it as on the
//! whole event (tested in the rules crate and by every rules fixture here).
//!
//! [`RuleSet::subscription_reads`]: segment_bloomreach_rules::RuleSet::subscription_reads
//! [`Rule::reads`]: segment_bloomreach_rules::Rule::reads

use crate::json::{Json, Obj};
use segment_bloomreach_rules::kit::PayloadReads;
use serde_json::{Map, Value};

/// `event` with only what `reads` reads of it, its members in the order the rules read them
/// first (no rule can see the order of an object it does not read whole).
pub(super) fn of(reads: &PayloadReads, event: &Obj<'_>) -> Value {
    let PayloadReads::Members(members) = reads else {
        return Json::Object(event.clone()).into_value();
    };
    let mut kept = Map::with_capacity(members.len());
    for (key, inner) in members {
        if let Some(member) = event.get(key) {
            kept.insert(key.clone(), projected(inner, member));
        }
    }
    Value::Object(kept)
}

/// `value` with only what `reads` reads of it: an object is cut down, anything else (an array, a
/// string: a path may read its indexes or `length`) is read whole.
fn projected(reads: &PayloadReads, value: &Json<'_>) -> Value {
    match (reads, value) {
        (PayloadReads::Members(_), Json::Object(obj)) => of(reads, obj),
        // Not met in the pipeline: with rules set, events are read as trees
        // (`Mapper::reading`), so no member stays raw text; kept so that any event reads right.
        (PayloadReads::Members(_), Json::Raw(_)) => reads.project(&value.clone().into_value()),
        _ => value.clone().into_value(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Raw;
    use segment_bloomreach_rules::RuleSet;
    use serde_json::{json, value::RawValue};
    use std::borrow::Cow;

    const EVENT: &str = r#"{"type":"track","event":"E\u00e9","userId":"u",
        "properties":{"price":120,"products":[{"sku":"a","n":1}],"other":{"deep":[1,2]},"t":"x\"y","price":130},
        "context":{"page":{"path":"/","url":"u"},"device":{"type":"ios","id":"d"},"ip":"1"},
        "integrations":{"All":true}}"#;

    /// The mapper's projection of `EVENT`, its members held as a tree or each kept as raw text,
    /// against the rules crate's projection of the whole event as a `Value`.
    fn check(mappings: Value) {
        let rules = RuleSet::compile(&mappings).unwrap();
        let whole: Value = serde_json::from_str(EVENT).unwrap();
        let expected = rules.reads().project(&whole);
        let Json::Object(tree) = serde_json::from_str::<Json>(EVENT).unwrap() else {
            panic!("an object")
        };
        assert_eq!(of(rules.reads(), &tree), expected, "tree, {mappings}");
        let members: Map<String, Value> = serde_json::from_str(EVENT).unwrap();
        let texts: Vec<(String, Box<RawValue>)> = members
            .iter()
            .map(|(k, v)| (k.clone(), RawValue::from_string(v.to_string()).unwrap()))
            .collect();
        let mut raw = Obj::new();
        for (key, text) in &texts {
            raw.insert(Cow::Borrowed(key), Json::Raw(Raw(text)));
        }
        assert_eq!(of(rules.reads(), &raw), expected, "raw, {mappings}");
    }

    #[test]
    fn only_what_the_rules_read_in_the_events_order() {
        check(json!([
            { "subscribe": "type = \"track\" and properties.price > 100", "eventType": "e",
              "properties": { "p": { "@path": "$.properties.price" }, "t": { "@template": "{{context.page.path}} {{properties.t}}" } } },
            { "subscribe": "context.device.type = \"ios\"", "command": "customer",
              "forEach": { "@path": "$.properties.products" }, "properties": { "sku": { "@path": "$.item.sku" } } },
        ]));
        check(
            json!([{ "subscribe": "event = \"E\u{e9}\"", "eventType": "e",
            "properties": { "all": { "@path": "$.properties" } } }]),
        );
        check(json!([{ "subscribe": "type = \"track\"", "eventType": "e",
            "properties": { "any": { "@path": "$" } } }]));
        check(json!([{ "subscribe": "properties.other.deep = 1", "eventType": "e" }]));
    }
}
