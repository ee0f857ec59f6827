//! Which ledger object holds a key: a stable hash of the key's event part over the deployment's number of objects.
//!
//! A key is its event's digest (32 hex digits) and the command's suffix, if any
//! (`routing::ledger_keys`); only the event's digest is hashed, so every command of an event is
//! in the same object and a one-event delivery asks one object. The number of objects is
//! `LEDGER_OBJECTS` (1 to [`MAX_OBJECTS`]); changing it moves keys, so a sender's retry of an
//! event delivered in the day before the change may be delivered again (docs/delivery.md).

/// The most objects a deployment may spread its keys over; also how many objects the dead-letter
/// routes look in, so letters parked under an earlier, larger number stay listed.
pub const MAX_OBJECTS: usize = 8;

/// How many objects hold the keys when `LEDGER_OBJECTS` is not set: a batch asks each object its
/// keys fall in twice (claim and settle), so fewer objects make batches cheaper, while each
/// object serves about 1,000 requests a second on Cloudflare (benches/README.md weighs it).
pub const DEFAULT_OBJECTS: usize = 2;

/// The length of a key's event part: a keyed digest's 32 hex digits.
const EVENT_PART: usize = 32;

/// The object that holds `key`, of `objects`: FNV-1a (64 bits) of its event part's bytes,
/// modulo `objects`. Stable across builds and platforms, unlike the standard library's hasher.
pub fn shard_of(key: &str, objects: usize) -> usize {
    let event = key.get(..EVENT_PART).unwrap_or(key);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in event.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % objects.max(1) as u64) as usize
}

/// The name a shard's object is addressed by (`idFromName`).
pub fn object_name(shard: usize) -> String {
    format!("ledger-{shard}")
}

/// The positions of `keys`, grouped by shard (shards in ascending order, positions in order).
pub fn by_shard<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    objects: usize,
) -> Vec<(usize, Vec<usize>)> {
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); objects.max(1)];
    for (position, key) in keys.into_iter().enumerate() {
        groups[shard_of(key, objects)].push(position);
    }
    groups
        .into_iter()
        .enumerate()
        .filter(|(_, positions)| !positions.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(i: usize) -> String {
        format!(
            "{:032x}",
            (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
        )
    }

    #[test]
    fn shards_are_stable_and_spread() {
        // Fixed values: a change here would forget a day of entries on deploy.
        assert_eq!(shard_of("", 8), (0xcbf2_9ce4_8422_2325u64 % 8) as usize);
        assert_eq!(shard_of("m:abc", 8), shard_of("m:abc", 8));
        assert_eq!(
            shard_of("0123456789abcdef0123456789abcdef", 8),
            shard_of("0123456789abcdef0123456789abcdef", 8)
        );
        for objects in [2, 8] {
            let mut counts = vec![0usize; objects];
            for i in 0..8_000 {
                counts[shard_of(&digest(i), objects)] += 1;
            }
            let even = 8_000 / objects;
            assert!(
                counts
                    .iter()
                    .all(|&n| n * 10 > even * 9 && n * 10 < even * 11),
                "{counts:?}"
            );
        }
        assert_eq!(shard_of("anything", 1), 0);
        assert_eq!(object_name(3), "ledger-3");
    }

    #[test]
    fn an_events_commands_share_its_object() {
        for i in 0..200 {
            let event = digest(i);
            for objects in 1..=MAX_OBJECTS {
                let home = shard_of(&event, objects);
                assert_eq!(shard_of(&format!("{event}:session_ping"), objects), home);
                assert_eq!(shard_of(&format!("{event}:2"), objects), home);
            }
        }
    }

    #[test]
    fn keys_are_grouped_by_shard_in_order() {
        let keys: Vec<String> = (0..50).map(digest).collect();
        let groups = by_shard(keys.iter().map(String::as_str), 8);
        let mut seen: Vec<usize> = groups.iter().flat_map(|(_, p)| p.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        for (shard, positions) in &groups {
            assert!(positions.windows(2).all(|w| w[0] < w[1]));
            assert!(positions.iter().all(|&p| shard_of(&keys[p], 8) == *shard));
        }
        assert!(groups.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(by_shard([], 8).is_empty());
        assert_eq!(by_shard(keys.iter().map(String::as_str), 1).len(), 1);
    }
}
