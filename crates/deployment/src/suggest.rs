//! "Did you mean": the known name closest to a misspelled one, by edit distance.

/// The candidate closest to `given` (case-insensitive Levenshtein distance), if it is close
/// enough to be a likely misspelling: at most a third of the longer name's length, and at least 1.
pub fn closest<'c>(given: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let given_lower = given.to_lowercase();
    candidates
        .iter()
        .map(|&c| (distance(&given_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (given.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over characters: insertions, deletions, substitutions and swaps of two
/// neighbours (`lable` is one edit from `label`).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_likely_misspellings() {
        let keys = [
            "exponeaHardId",
            "exponeaSoftId",
            "trackSessionPing",
            "mappings",
        ];
        assert_eq!(closest("exponeaHardID", &keys), Some("exponeaHardId"));
        assert_eq!(closest("trackSesionPing", &keys), Some("trackSessionPing"));
        assert_eq!(closest("mapings", &keys), Some("mappings"));
        assert_eq!(closest("colour", &keys), None);
        assert_eq!(closest("", &keys), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(closest("lable", &["label", "kind"]), Some("label"));
    }
}
