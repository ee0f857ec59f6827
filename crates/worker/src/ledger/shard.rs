//! Which ledger object holds a key: a stable hash of the key over a fixed number of objects.
//!
//! The number is a constant, not a setting: a key must find its entry for 24 hours, so changing
//! it forgets every entry (a deploy that changes it delivers at least once for a day).

/// How many Durable Objects hold the ledger (`ledger-0` … `ledger-7`); see benches/README.md.
pub const SHARDS: usize = 8;

/// The object that holds `key`: FNV-1a (64 bits) of its bytes, modulo [`SHARDS`]. Stable across
/// builds and platforms, unlike the standard library's hasher.
pub fn shard_of(key: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % SHARDS as u64) as usize
}

/// The name a shard's object is addressed by (`idFromName`).
pub fn object_name(shard: usize) -> String {
    format!("ledger-{shard}")
}

/// The positions of `keys`, grouped by shard (shards in ascending order, positions in order).
pub fn by_shard<'k>(keys: impl IntoIterator<Item = &'k str>) -> Vec<(usize, Vec<usize>)> {
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); SHARDS];
    for (position, key) in keys.into_iter().enumerate() {
        groups[shard_of(key)].push(position);
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

    #[test]
    fn shards_are_stable_and_spread() {
        // Fixed values: a change here would forget a day of entries on deploy.
        assert_eq!(shard_of(""), (0xcbf2_9ce4_8422_2325u64 % 8) as usize);
        assert_eq!(shard_of("m:abc"), shard_of("m:abc"));
        let mut counts = [0usize; SHARDS];
        for i in 0..8_000 {
            counts[shard_of(&format!("m:message-{i}"))] += 1;
        }
        assert!(
            counts.iter().all(|&n| (800..1_200).contains(&n)),
            "{counts:?}"
        );
        assert_eq!(object_name(3), "ledger-3");
    }

    #[test]
    fn keys_are_grouped_by_shard_in_order() {
        let keys: Vec<String> = (0..50).map(|i| format!("m:{i}")).collect();
        let groups = by_shard(keys.iter().map(String::as_str));
        let mut seen: Vec<usize> = groups.iter().flat_map(|(_, p)| p.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        for (shard, positions) in &groups {
            assert!(positions.windows(2).all(|w| w[0] < w[1]));
            assert!(positions.iter().all(|&p| shard_of(&keys[p]) == *shard));
        }
        assert!(groups.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(by_shard([]).is_empty());
    }
}
