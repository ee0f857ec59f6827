//! A stable sort by key for the short or already ordered lists the Worker orders (configuration problems, secrets, failed queue sends), small in the wasm.
//!
//! `slice::sort_by_key` is std's stable sort: about 3.5 KB of wasm for each element type and key
//! it is called with. This insertion sort is a few hundred bytes each. Quadratic at worst, so
//! only for lists of a handful of entries, or ones that arrive in order (failed sends are pushed
//! by event index), where it makes one pass.

/// Sorts `items` by `key`, keeping the order of equal keys (as `slice::sort_by_key` does).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_std() {
        let lists: [&[(u8, char)]; 5] = [
            &[],
            &[(1, 'a')],
            &[
                (3, 'a'),
                (1, 'b'),
                (2, 'c'),
                (1, 'd'),
                (3, 'e'),
                (0, 'f'),
                (2, 'g'),
            ],
            &[(0, 'a'), (1, 'b'), (2, 'c'), (2, 'd'), (5, 'e'), (3, 'f')],
            &[(9, 'a'), (8, 'b'), (7, 'c'), (7, 'd'), (1, 'e')],
        ];
        for list in lists {
            let mut ours = list.to_vec();
            let mut std = list.to_vec();
            sort_by_key(&mut ours, |p| p.0);
            std.sort_by_key(|p| p.0);
            assert_eq!(ours, std);
            sort_by_key(&mut ours, |p| std::cmp::Reverse(p.1));
            std.sort_by_key(|p| std::cmp::Reverse(p.1));
            assert_eq!(ours, std);
        }
    }
}
