//! The index behind the [`Ledger`](super::Ledger): a set of non-empty half-open byte ranges, searchable by overlap.
//!
//! It is a treap: a binary search tree ordered by [`Key`] (start, then end, then id) whose shape is that of a heap on a
//! pseudo-random priority per node, which keeps its expected depth logarithmic whatever order ranges come and go in.
//! Each node also records the greatest end and the smallest id in its subtree. The greatest end lets an overlap search
//! skip every subtree that ends before the query, so a search that finds nothing walks one root-to-leaf path, and a
//! listing costs a path per range found; the smallest id lets the search for the oldest overlapping range skip every
//! subtree that holds nothing older than what it already has (for many ranges over the same bytes, one path again).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{BuildHasher, RandomState};

/// A range in the set: its bytes `[start, end)` (never empty) and the ledger id of its export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    /// First byte.
    pub(super) start: usize,
    /// One past the last byte.
    pub(super) end: usize,
    /// The export's id, unique within the ledger.
    pub(super) id: u64,
}

impl Key {
    /// Whether the range matches the query bounds `lo` and `hi`: `start < hi` and `end > lo` (see [`IntervalSet`]).
    fn matches(&self, lo: usize, hi: usize) -> bool {
        self.start < hi && self.end > lo
    }
}

type Link = Option<Box<Node>>;

#[derive(Debug)]
struct Node {
    key: Key,
    /// Heap priority: a parent's is at least its children's.
    priority: u64,
    /// The greatest `end` in this subtree.
    max_end: usize,
    /// The smallest id in this subtree.
    min_id: u64,
    left: Link,
    right: Link,
}

impl Node {
    fn new(key: Key, priority: u64) -> Node {
        Node { key, priority, max_end: key.end, min_id: key.id, left: None, right: None }
    }

    /// Recomputes the subtree summaries from the children's.
    fn update(&mut self) {
        let (mut max_end, mut min_id) = (self.key.end, self.key.id);
        for child in [&self.left, &self.right].into_iter().flatten() {
            max_end = max_end.max(child.max_end);
            min_id = min_id.min(child.min_id);
        }
        self.max_end = max_end;
        self.min_id = min_id;
    }
}

/// A node's priority, from its export's id and the set's random seed: ids are consecutive, so they are scrambled
/// (SplitMix64's finaliser) into values that behave like independent random ones. The seed keeps them unpredictable, so
/// that no choice of addresses made knowing the ids can line the tree up into a deep path.
fn priority(id: u64, seed: u64) -> u64 {
    let mut z = (id ^ seed).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Splits a subtree into the keys below `key` and the keys above it (`key` itself is not in it).
fn split(link: Link, key: &Key) -> (Link, Link) {
    match link {
        None => (None, None),
        Some(mut node) if node.key < *key => {
            let (below, above) = split(node.right.take(), key);
            node.right = below;
            node.update();
            (Some(node), above)
        }
        Some(mut node) => {
            let (below, above) = split(node.left.take(), key);
            node.left = above;
            node.update();
            (below, Some(node))
        }
    }
}

/// Joins two subtrees, every key of `low` being below every key of `high`.
fn merge(low: Link, high: Link) -> Link {
    match (low, high) {
        (None, high) => high,
        (low, None) => low,
        (Some(mut low), Some(mut high)) => {
            if low.priority >= high.priority {
                low.right = merge(low.right.take(), Some(high));
                low.update();
                Some(low)
            } else {
                high.left = merge(Some(low), high.left.take());
                high.update();
                Some(high)
            }
        }
    }
}

/// Adds `new` (a lone node) under `link`.
fn insert(mut link: &mut Link, mut new: Box<Node>) {
    // Down through the nodes that stay above the new one, each now with it in its subtree.
    while link.as_ref().is_some_and(|node| node.priority >= new.priority) {
        let Some(node) = link else { break };
        node.max_end = node.max_end.max(new.key.end);
        node.min_id = node.min_id.min(new.key.id);
        link = if new.key < node.key { &mut node.left } else { &mut node.right };
    }
    // Here it goes, with the keys below it and the keys above it as its subtrees.
    let (below, above) = split(link.take(), &new.key);
    new.left = below;
    new.right = above;
    new.update();
    *link = Some(new);
}

/// Unlinks the node holding `key`, if any, and returns it.
fn remove(link: &mut Link, key: &Key) -> Link {
    let Some(node) = link else { return None };
    let removed = match key.cmp(&node.key) {
        Ordering::Less => remove(&mut node.left, key),
        Ordering::Greater => remove(&mut node.right, key),
        Ordering::Equal => {
            let (left, right) = (node.left.take(), node.right.take());
            return std::mem::replace(link, merge(left, right));
        }
    };
    // The summaries change only if they came from the removed range.
    if removed.as_ref().is_some_and(|r| r.key.end == node.max_end || r.key.id == node.min_id) {
        node.update();
    }
    removed
}

/// The smallest id in a subtree, `u64::MAX` for none.
fn min_id(node: Option<&Node>) -> u64 {
    node.map_or(u64::MAX, |n| n.min_id)
}

/// Replaces `best` with the oldest range of the subtree matching `lo` and `hi`, if any is older.
fn find_oldest(node: Option<&Node>, lo: usize, hi: usize, best: &mut Key) {
    let Some(node) = node else { return };
    // Nothing here reaches past `lo`, or nothing here is older than what was found.
    if node.max_end <= lo || node.min_id >= best.id {
        return;
    }
    if node.key.matches(lo, hi) && node.key.id < best.id {
        *best = node.key;
    }
    let left = node.left.as_deref();
    // Keys to the right start at or after this one.
    let right = if node.key.start < hi { node.right.as_deref() } else { None };
    // The side holding the older id first: what it finds may rule out the other side without a visit.
    let (first, second) = if min_id(left) <= min_id(right) { (left, right) } else { (right, left) };
    find_oldest(first, lo, hi, best);
    find_oldest(second, lo, hi, best);
}

/// Appends every range of the subtree matching `lo` and `hi`, in key order.
fn collect(node: Option<&Node>, lo: usize, hi: usize, out: &mut Vec<Key>) {
    let Some(node) = node else { return };
    if node.max_end <= lo {
        return;
    }
    collect(node.left.as_deref(), lo, hi, out);
    if node.key.start < hi {
        if node.key.end > lo {
            out.push(node.key);
        }
        collect(node.right.as_deref(), lo, hi, out);
    }
}

/// A set of non-empty byte ranges, each tagged with a unique id.
///
/// Queries take bounds `lo` and `hi` and match the ranges with `start < hi` and `end > lo`: for the bytes `[s, e)`
/// that is `lo = s, hi = e` (the ranges sharing a byte with them); for "the ranges whose closed span `[start, end]`
/// holds address `a`" it is `lo = a - 1, hi = a + 1`.
pub(super) struct IntervalSet {
    root: Link,
    len: usize,
    /// The last node removed, kept for the next insertion: an export is often taken just after another is released.
    spare: Link,
    /// Mixed into every priority (see [`priority`]).
    seed: u64,
}

impl fmt::Debug for IntervalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut all = Vec::with_capacity(self.len);
        collect(self.root.as_deref(), 0, usize::MAX, &mut all);
        f.debug_list().entries(all).finish()
    }
}

impl Default for IntervalSet {
    fn default() -> IntervalSet {
        // RandomState is seeded once per process from the system's randomness, then varied per instance.
        let seed = RandomState::new().hash_one(0u64);
        IntervalSet { root: None, len: 0, spare: None, seed }
    }
}

impl IntervalSet {
    /// How many ranges the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Adds a range. Its id must not be in the set already.
    pub(super) fn insert(&mut self, key: Key) {
        debug_assert!(key.start < key.end, "empty ranges are not indexed");
        let new = Node::new(key, priority(key.id, self.seed));
        let node = match self.spare.take() {
            Some(mut node) => {
                *node = new;
                node
            }
            None => Box::new(new),
        };
        insert(&mut self.root, node);
        self.len += 1;
    }

    /// Removes a range; whether it was there.
    pub(super) fn remove(&mut self, key: &Key) -> bool {
        let Some(node) = remove(&mut self.root, key) else { return false };
        self.len -= 1;
        self.spare = Some(node);
        true
    }

    /// The range with the smallest id among those with `start < hi` and `end > lo` whose id is below `older_than`.
    pub(super) fn oldest_matching(&self, lo: usize, hi: usize, older_than: u64) -> Option<Key> {
        // A stand-in for a range found with id `older_than`, so that only older ranges replace it.
        let mut best = Key { start: 0, end: 0, id: older_than };
        find_oldest(self.root.as_deref(), lo, hi, &mut best);
        (best.id < older_than).then_some(best)
    }

    /// Appends to `out` every range with `start < hi` and `end > lo`, in address order.
    pub(super) fn matching(&self, lo: usize, hi: usize, out: &mut Vec<Key>) {
        collect(self.root.as_deref(), lo, hi, out);
    }

    /// Every key in order, after checking the tree's order, heap and summary invariants (tests only).
    #[cfg(test)]
    pub(super) fn checked_keys(&self) -> Vec<Key> {
        fn walk(node: Option<&Node>, parent_priority: u64, out: &mut Vec<Key>) -> (usize, u64) {
            let Some(node) = node else { return (0, u64::MAX) };
            assert!(node.priority <= parent_priority, "heap order");
            let (left_end, left_id) = walk(node.left.as_deref(), node.priority, out);
            out.push(node.key);
            let (right_end, right_id) = walk(node.right.as_deref(), node.priority, out);
            assert_eq!(node.max_end, node.key.end.max(left_end).max(right_end), "max_end summary");
            assert_eq!(node.min_id, node.key.id.min(left_id).min(right_id), "min_id summary");
            (node.max_end, node.min_id)
        }
        let mut keys = Vec::new();
        walk(self.root.as_deref(), u64::MAX, &mut keys);
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "search order");
        assert_eq!(keys.len(), self.len);
        keys
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Step {
        Insert { start: usize, len: usize },
        Remove(usize),
        Query { lo: usize, hi: usize, older_than: u64 },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..64usize, 1..24usize).prop_map(|(start, len)| Step::Insert { start, len }),
            2 => any::<usize>().prop_map(Step::Remove),
            2 => (0..90usize, 0..30usize, 1..200u64)
                .prop_map(|(lo, span, older_than)| Step::Query { lo, hi: lo + span, older_than }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::ledger::model_cases()))]

        /// The tree against a plain list: same contents, same matches, same oldest match, invariants kept.
        // Thousands of steps: too slow under Miri, which runs the small ledger tests.
        #[cfg_attr(miri, ignore)]
        #[test]
        fn matches_a_linear_scan(steps in prop::collection::vec(step(), 1..160)) {
            let mut set = IntervalSet::default();
            let mut model: Vec<Key> = Vec::new();
            let mut next_id = 0;
            for step in steps {
                match step {
                    Step::Insert { start, len } => {
                        next_id += 1;
                        let key = Key { start, end: start + len, id: next_id };
                        set.insert(key);
                        model.push(key);
                    }
                    Step::Remove(pick) => {
                        if model.is_empty() {
                            let absent = Key { start: 1, end: 2, id: 0 };
                            prop_assert!(!set.remove(&absent));
                        } else {
                            let key = model.remove(pick % model.len());
                            prop_assert!(set.remove(&key));
                            prop_assert!(!set.remove(&key));
                        }
                    }
                    Step::Query { lo, hi, older_than } => {
                        let mut expected: Vec<Key> = model.iter().copied().filter(|k| k.matches(lo, hi)).collect();
                        let oldest = expected.iter().copied().filter(|k| k.id < older_than).min_by_key(|k| k.id);
                        prop_assert_eq!(set.oldest_matching(lo, hi, older_than), oldest);
                        expected.sort();
                        let mut found = Vec::new();
                        set.matching(lo, hi, &mut found);
                        prop_assert_eq!(found, expected);
                    }
                }
                let mut sorted = model.clone();
                sorted.sort();
                prop_assert_eq!(set.checked_keys(), sorted);
            }
        }
    }

    // Ten thousand copies: too slow under Miri, which runs the small ledger tests.
    #[cfg_attr(miri, ignore)]
    #[test]
    fn many_copies_of_one_range() {
        let mut set = IntervalSet::default();
        for id in 1..=10_000 {
            set.insert(Key { start: 100, end: 200, id });
        }
        set.checked_keys();
        assert_eq!(set.oldest_matching(150, 151, u64::MAX).map(|k| k.id), Some(1));
        assert_eq!(set.oldest_matching(199, 300, u64::MAX).map(|k| k.id), Some(1));
        assert_eq!(set.oldest_matching(200, 300, u64::MAX), None, "adjacent ranges share no byte");
        assert_eq!(set.oldest_matching(0, 100, u64::MAX), None, "adjacent ranges share no byte");
        for id in 1..=5_000 {
            assert!(set.remove(&Key { start: 100, end: 200, id }));
        }
        assert_eq!(set.oldest_matching(150, 151, u64::MAX).map(|k| k.id), Some(5_001));
        assert_eq!(set.oldest_matching(150, 151, 5_001), None);
        assert_eq!(set.len(), 5_000);
        set.checked_keys();
    }
}
