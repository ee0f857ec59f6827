//! Property tests: batching loses and duplicates nothing, flattening never drops a scalar,
//! every event ends in exactly one of mapped / rejected / skipped, times round-trip.

mod support;

use proptest::prelude::*;
use segment_bloomreach::pack::plan;
use segment_bloomreach::Settings;
use segment_bloomreach::{flatten, parse_time};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use support::build_requests;

fn settings(ping: bool, flatten: bool) -> Settings {
    Settings::from_json_value(&json!({
        "apiKey": "k", "projectToken": "p", "exponeaHardId": "registered", "exponeaSoftId": "cookie",
        "trackSessionPing": ping, "flattenNestedObjects": flatten
    }))
    .unwrap()
}

/// Any JSON value, a few levels deep, with keys drawn from a small alphabet (so they collide).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[a-z_ ]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-c_]{1,3}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Segment-shaped events: mostly valid, some with missing or wrong fields, repeated messageIds.
fn segment_event() -> impl Strategy<Value = Value> {
    let call = prop::sample::select(vec![
        "page", "screen", "track", "identify", "alias", "group", "bogus",
    ]);
    let id = prop::option::of(prop::sample::select(vec![
        json!("u-1"),
        json!("u-2"),
        json!(7),
        json!(""),
        json!(true),
    ]));
    let message_id = prop::option::of(prop::sample::select(vec!["m-1", "m-2", "m-3"]));
    let time = prop::option::of(prop::sample::select(vec![
        json!("2024-03-04T15:32:56.409Z"),
        json!(1709566376),
        json!("bad"),
    ]));
    let opt_out = prop::option::of(prop::sample::select(vec![
        json!({"All": false}),
        json!({"Exponea": false}),
        json!({"Exponea": true}),
    ]));
    (
        call,
        id.clone(),
        id.clone(),
        id,
        message_id,
        time,
        opt_out,
        any_json(),
    )
        .prop_map(
            |(call, user, anon, other, message_id, time, integrations, payload)| {
                let mut e = Map::new();
                e.insert("type".into(), json!(call));
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        e.insert(k.into(), v);
                    }
                };
                put("userId", user);
                put("anonymousId", anon);
                put("previousId", other.clone());
                put("groupId", other);
                put("messageId", message_id.map(Value::from));
                put("timestamp", time);
                put("integrations", integrations);
                put("event", Some(json!("E")));
                put("properties", Some(payload.clone()));
                put("traits", Some(payload));
                Value::Object(e)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn every_event_ends_in_exactly_one_place_and_no_command_is_lost_or_duplicated(
        events in prop::collection::vec(prop_oneof![segment_event(), any_json()], 0..160),
        ping in any::<bool>(),
        flat in any::<bool>(),
    ) {
        let n = events.len();
        let output = build_requests(events, &settings(ping, flat));
        let mut place: HashMap<usize, &str> = HashMap::new();
        for r in &output.rejected { prop_assert!(place.insert(r.index, "rejected").is_none()); }
        for s in &output.skipped { prop_assert!(place.insert(s.index, "skipped").is_none()); }
        let mut commands = 0;
        let mut mapped: HashSet<usize> = HashSet::new();
        for request in &output.requests {
            prop_assert!(!request.commands.is_empty() && request.commands.len() <= 50);
            let body: Value = serde_json::from_str(&request.body).unwrap();
            let in_body: Vec<&str> = body["commands"].as_array().unwrap().iter().map(|c| c["command_id"].as_str().unwrap()).collect();
            let listed: Vec<&str> = request.commands.iter().map(|c| c.command_id.as_str()).collect();
            prop_assert_eq!(&in_body, &listed);
            prop_assert_eq!(listed.iter().collect::<HashSet<_>>().len(), listed.len(), "command_id unique per request");
            commands += listed.len();
            mapped.extend(request.commands.iter().map(|c| c.event_index));
        }
        for i in &mapped { prop_assert!(place.insert(*i, "mapped").is_none(), "event {} mapped and also rejected/skipped", i); }
        prop_assert_eq!(place.len(), n, "every event accounted for");
        prop_assert_eq!(output.requests.len(), commands.div_ceil(50), "exactly ceil(commands / 50) requests");
    }

    #[test]
    fn packing_keeps_each_event_whole_in_exactly_ceil_requests(sizes in prop::collection::vec(1usize..=2, 0..400)) {
        // Events of one command or two (a page and its session_ping).
        let commands: Vec<(usize, String)> = sizes
            .iter()
            .enumerate()
            .flat_map(|(owner, &n)| (0..n).map(move |k| (owner, format!("e{owner}-{k}"))))
            .collect();
        let owners: Vec<usize> = commands.iter().map(|(owner, _)| *owner).collect();
        let ids: Vec<&str> = commands.iter().map(|(_, id)| id.as_str()).collect();
        let groups = plan(&owners, &ids);
        prop_assert_eq!(groups.len(), commands.len().div_ceil(50), "exactly ceil(commands / 50) requests");
        let mut seen = HashSet::new();
        let mut group_of_owner: HashMap<usize, usize> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            prop_assert!(!group.is_empty() && group.len() <= 50);
            for &i in group {
                prop_assert!(seen.insert(i), "command {} packed twice", i);
                let owner = owners[i];
                prop_assert_eq!(*group_of_owner.entry(owner).or_insert(g), g, "event {} split over two requests", owner);
            }
        }
        prop_assert_eq!(seen.len(), commands.len(), "every command packed");
    }

    #[test]
    fn flattening_never_drops_a_scalar(value in prop::collection::btree_map("[a-d]{1,3}", any_json(), 0..6)) {
        // Keys without `_` cannot collide, so every leaf must come out under its joined path.
        let input: Map<String, Value> = value.into_iter().filter(|(k, _)| !k.contains('_')).collect();
        let input: Map<String, Value> = input.into_iter().map(|(k, v)| (k, strip_underscores(v))).collect();
        let mut leaves = Vec::new();
        collect_leaves(&Value::Object(input.clone()), String::new(), &mut leaves);
        let flat = flatten(input);
        prop_assert_eq!(flat.len(), leaves.len());
        for (path, leaf) in leaves {
            prop_assert_eq!(flat.get(&path), Some(&leaf), "{} missing", path);
        }
        prop_assert!(flat.values().all(|v| !v.is_object()));
    }

    #[test]
    fn an_rfc3339_time_round_trips_to_its_milliseconds(millis in -62_135_596_800_000i64..253_402_300_799_999, offset_minutes in -1439i32..1439) {
        use time::{format_description::well_known::Rfc3339, OffsetDateTime, UtcOffset};
        let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
        let at = OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000).unwrap().to_offset(offset);
        let text = at.format(&Rfc3339).unwrap();
        prop_assert_eq!(parse_time(&json!(text)).unwrap().millis, millis, "{}", text);
        // The same instant as a number: milliseconds from 1e11, seconds below.
        if millis >= 100_000_000_000 {
            prop_assert_eq!(parse_time(&json!(millis)).unwrap().millis, millis);
        }
        let seconds = millis as f64 / 1000.0;
        if seconds < 1e11 {
            prop_assert_eq!(parse_time(&json!(seconds)).unwrap().millis, millis);
        }
    }
}

/// A date-time string built from parts around and beyond their ranges, in RFC 3339, ISO-8601
/// extended or basic form, with or without a fraction and an offset, sometimes with junk after.
fn time_text() -> impl Strategy<Value = String> {
    let year = prop_oneof![Just(0u32), 1u32..=9999, Just(1970), Just(2016)];
    let month = 0u32..=13;
    let day = prop_oneof![0u32..=32, Just(29), Just(31)];
    let hour = prop_oneof![0u32..=25, Just(23)];
    let minute = prop_oneof![0u32..=61, Just(59)];
    let second = prop_oneof![0u32..=61, Just(59), Just(60)];
    // A fraction of seconds (of nine digits at most: the time crate rounds a tenth digit of a
    // second to nanoseconds, where the core drops it); fractions of hours and minutes have unit
    // tests (the time crate computes them in floating point).
    let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{0,9}".prop_map(String::from)];
    let offset = prop_oneof![
        Just(String::new()),
        Just("Z".to_string()),
        Just("z".to_string()),
        "[+-](0[0-9]|1[0-9]|2[0-5])(:?[0-6][0-9])?".prop_map(String::from),
    ];
    let separator = prop_oneof![Just('T'), Just('t'), Just(' '), Just('x')];
    let form = 0u8..=4;
    // A character after the time (not `:`: the time crate takes a dangling `:` after an offset,
    // `…-00:`, which the core refuses).
    let junk = prop_oneof![
        Just(String::new()),
        Just(String::new()),
        "[ 0-9Z]".prop_map(String::from)
    ];
    (
        year, month, day, hour, minute, second, fraction, offset, separator, form, junk,
    )
        .prop_map(
            |(y, mo, d, h, mi, s, fraction, offset, sep, form, junk)| match form {
                // RFC 3339 / ISO extended with seconds.
                0 => format!(
                    "{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{fraction}{offset}{junk}"
                ),
                // ISO basic with seconds.
                1 => format!(
                    "{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}{fraction}{}{junk}",
                    offset.replace(':', "")
                ),
                // ISO extended to the minute, or the hour (refused); basic to the minute or the hour.
                2 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}{offset}{junk}"),
                3 => format!("{y:04}-{mo:02}-{d:02}T{h:02}{offset}{junk}"),
                _ if s % 2 == 0 => format!(
                    "{y:04}{mo:02}{d:02}T{h:02}{mi:02}{}{junk}",
                    offset.replace(':', "")
                ),
                _ => format!(
                    "{y:04}{mo:02}{d:02}T{h:02}{}{junk}",
                    offset.replace(':', "")
                ),
            },
        )
}

/// The time crate's reading of a date-time string (RFC 3339, then ISO-8601), in milliseconds.
fn time_crate_millis(text: &str) -> Option<i64> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    use time::OffsetDateTime;
    let parsed = OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()?;
    let millis = parsed.unix_timestamp_nanos().div_euclid(1_000_000) as i64;
    // Years 1-9999, as the core keeps them (after reading, as it always did).
    (-62_135_596_800_000..=253_402_300_799_999)
        .contains(&millis)
        .then_some(millis)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, .. ProptestConfig::default() })]

    #[test]
    fn times_are_read_as_the_time_crate_reads_them(text in time_text()) {
        let ours = parse_time(&json!(text)).ok().map(|t| t.millis);
        prop_assert_eq!(ours, time_crate_millis(&text), "{}", text);
    }
}

fn strip_underscores(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !k.contains('_'))
                .map(|(k, v)| (k, strip_underscores(v)))
                .collect(),
        ),
        other => other,
    }
}

fn collect_leaves(value: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}_{k}")
                };
                collect_leaves(v, p, out);
            }
        }
        leaf => out.push((path, leaf.clone())),
    }
}
