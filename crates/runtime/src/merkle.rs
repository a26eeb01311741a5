//! The state root: a sparse Merkle tree over the state's records.
//!
//! # Rules
//! - Each record (a key and its encoded value) is a leaf at path `SHA-256(key)`, a 256-bit
//!   path read from the most significant bit. Its hash is `H(0x00 ‖ path ‖ SHA-256(value))`.
//! - A subtree with no leaf is empty (hash [`Hash::ZERO`]); a subtree with exactly one leaf
//!   *is* that leaf, wherever it sits; a subtree with two or more leaves is a branch that
//!   splits them by the next path bit, with hash `H(0x01 ‖ left ‖ right)`.
//! - That canonical shape makes the root a function of the set of records alone, whatever
//!   the order of insertions and deletions.
//! - The tree is persistent: cloning it is O(1) (nodes are shared), and a batch of `k`
//!   updates rehashes only the nodes on their paths, O(k · log n) for `n` records.
//! - A tree built from nothing (a state loaded from its records) is built on up to 8 threads,
//!   each taking whole subtrees: the same nodes as one thread builds.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use taonet_types::Hash;

#[derive(Debug)]
enum Node {
    Leaf {
        path: [u8; 32],
        hash: Hash,
    },
    Branch {
        left: Option<Arc<Node>>,
        right: Option<Arc<Node>>,
        hash: Hash,
    },
}

impl Node {
    fn hash(&self) -> Hash {
        match self {
            Node::Leaf { hash, .. } | Node::Branch { hash, .. } => *hash,
        }
    }

    fn leaf(path: [u8; 32], value_hash: &Hash) -> Arc<Node> {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(path);
        h.update(value_hash.0);
        Arc::new(Node::Leaf {
            path,
            hash: Hash(h.finalize().into()),
        })
    }

    /// Normalises a branch: empty if no child, the leaf itself if its only child is a leaf.
    fn branch(left: Option<Arc<Node>>, right: Option<Arc<Node>>) -> Option<Arc<Node>> {
        match (&left, &right) {
            (None, None) => return None,
            (Some(only), None) | (None, Some(only)) if matches!(**only, Node::Leaf { .. }) => {
                return Some(only.clone());
            }
            _ => {}
        }
        let hash_of = |n: &Option<Arc<Node>>| n.as_ref().map_or(Hash::ZERO, |n| n.hash());
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(hash_of(&left).0);
        h.update(hash_of(&right).0);
        Some(Arc::new(Node::Branch {
            left,
            right,
            hash: Hash(h.finalize().into()),
        }))
    }
}

fn bit(path: &[u8; 32], depth: usize) -> bool {
    (path[depth / 8] >> (7 - depth % 8)) & 1 == 1
}

/// One change to the tree: set the value hash at `path`, or remove it (`None`).
pub type Update = ([u8; 32], Option<Hash>);

/// A persistent sparse Merkle tree of record hashes.
#[derive(Clone, Debug, Default)]
pub struct SparseMerkleTree {
    root: Option<Arc<Node>>,
}

impl SparseMerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        SparseMerkleTree::default()
    }

    /// The root hash ([`Hash::ZERO`] when empty).
    pub fn root(&self) -> Hash {
        self.root.as_ref().map_or(Hash::ZERO, |n| n.hash())
    }

    /// The path of a record key.
    pub fn path_of(key: &[u8]) -> [u8; 32] {
        Sha256::digest(key).into()
    }

    /// Applies a batch of updates. Later updates of the same path win.
    pub fn update(&mut self, mut updates: Vec<Update>) {
        if updates.is_empty() {
            return;
        }
        // Stable sort keeps the submission order among equal paths; keep the last of each.
        updates.sort_by_key(|u| u.0);
        let mut unique: Vec<Update> = Vec::with_capacity(updates.len());
        for u in updates {
            match unique.last_mut() {
                Some(last) if last.0 == u.0 => *last = u,
                _ => unique.push(u),
            }
        }
        self.root = match self.root.take() {
            // A fresh tree (a state loaded from its records): built on every core.
            None => build_parallel(0, &inserts(&unique), parallelism()),
            root => apply(root, 0, &unique),
        };
    }
}

/// Threads [`build_parallel`] may use: the machine's cores, at most 8.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// [`build`] with the two halves of each of the top levels built on separate threads (down to
/// `threads` subtrees): the same subtrees, so the same nodes and hashes, whatever the number of
/// threads. Small inputs stay on one thread.
fn build_parallel(depth: usize, leaves: &[([u8; 32], Hash)], threads: usize) -> Option<Arc<Node>> {
    if threads < 2 || leaves.len() < 4_096 || depth >= 255 {
        return build(depth, leaves);
    }
    let split = leaves.partition_point(|(p, _)| !bit(p, depth));
    let (l, r) = leaves.split_at(split);
    let half = threads / 2;
    let (left, right) = std::thread::scope(|scope| {
        let right = scope.spawn(move || build_parallel(depth + 1, r, threads - half));
        let left = build_parallel(depth + 1, l, half);
        // A panic in the other half is re-raised here (none is expected: building is pure).
        (
            left,
            right
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    Node::branch(left, right)
}

/// Builds the subtree holding exactly `leaves` (sorted, unique paths) at `depth`.
fn build(depth: usize, leaves: &[([u8; 32], Hash)]) -> Option<Arc<Node>> {
    match leaves {
        [] => None,
        [(path, value)] => Some(Node::leaf(*path, value)),
        _ => {
            let split = leaves.partition_point(|(p, _)| !bit(p, depth));
            Node::branch(
                build(depth + 1, &leaves[..split]),
                build(depth + 1, &leaves[split..]),
            )
        }
    }
}

fn inserts(updates: &[Update]) -> Vec<([u8; 32], Hash)> {
    updates
        .iter()
        .filter_map(|(p, v)| v.map(|v| (*p, v)))
        .collect()
}

fn apply(node: Option<Arc<Node>>, depth: usize, updates: &[Update]) -> Option<Arc<Node>> {
    if updates.is_empty() || depth >= 256 {
        return node;
    }
    let Some(node) = node else {
        return build(depth, &inserts(updates));
    };
    match &*node {
        Node::Leaf { path, .. } => {
            let existing = *path;
            let new_leaves = inserts(updates);
            if updates.iter().any(|(p, _)| *p == existing) {
                // The existing record is replaced or deleted.
                build(depth, &new_leaves)
            } else {
                merge_leaf(node.clone(), existing, depth, &new_leaves)
            }
        }
        Node::Branch { left, right, .. } => {
            let split = updates.partition_point(|(p, _)| !bit(p, depth));
            let new_left = apply(left.clone(), depth + 1, &updates[..split]);
            let new_right = apply(right.clone(), depth + 1, &updates[split..]);
            Node::branch(new_left, new_right)
        }
    }
}

/// Combines an existing leaf node (kept as is) with new leaves (none at its path).
fn merge_leaf(
    leaf: Arc<Node>,
    leaf_path: [u8; 32],
    depth: usize,
    new_leaves: &[([u8; 32], Hash)],
) -> Option<Arc<Node>> {
    if new_leaves.is_empty() || depth >= 256 {
        return Some(leaf);
    }
    let split = new_leaves.partition_point(|(p, _)| !bit(p, depth));
    let (l, r) = new_leaves.split_at(split);
    if bit(&leaf_path, depth) {
        Node::branch(
            build(depth + 1, l),
            merge_leaf(leaf, leaf_path, depth + 1, r),
        )
    } else {
        Node::branch(
            merge_leaf(leaf, leaf_path, depth + 1, l),
            build(depth + 1, r),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The root computed from scratch for a set of records.
    fn reference_root(records: &BTreeMap<[u8; 32], Hash>) -> Hash {
        let leaves: Vec<([u8; 32], Hash)> = records.iter().map(|(k, v)| (*k, *v)).collect();
        build(0, &leaves).map_or(Hash::ZERO, |n| n.hash())
    }

    fn path(i: u32) -> [u8; 32] {
        SparseMerkleTree::path_of(&i.to_be_bytes())
    }

    #[test]
    fn empty_single_and_pair() {
        let mut t = SparseMerkleTree::new();
        assert_eq!(t.root(), Hash::ZERO);
        let v = Hash::digest(b"v");
        t.update(vec![(path(1), Some(v))]);
        let single = t.root();
        assert_eq!(single, Node::leaf(path(1), &v).hash());
        t.update(vec![(path(2), Some(v))]);
        assert_ne!(t.root(), single);
        t.update(vec![(path(2), None)]);
        assert_eq!(t.root(), single, "deleting restores the previous root");
        t.update(vec![(path(1), None)]);
        assert_eq!(t.root(), Hash::ZERO);
    }

    #[test]
    fn clones_are_independent() {
        let mut a = SparseMerkleTree::new();
        a.update(
            (0..100)
                .map(|i| (path(i), Some(Hash::digest(&[i as u8]))))
                .collect(),
        );
        let before = a.root();
        let mut b = a.clone();
        b.update(vec![(path(5), None)]);
        assert_eq!(a.root(), before);
        assert_ne!(b.root(), before);
    }

    #[test]
    fn a_fresh_tree_built_on_several_threads_is_the_same_tree() {
        let leaves: Vec<([u8; 32], Hash)> = {
            let mut l: Vec<([u8; 32], Hash)> = (0..20_000u32)
                .map(|i| (path(i), Hash::digest(&i.to_le_bytes())))
                .collect();
            l.sort_by_key(|x| x.0);
            l
        };
        let one = build(0, &leaves).map(|n| n.hash());
        for threads in [2, 3, 4, 7, 8] {
            assert_eq!(
                build_parallel(0, &leaves, threads).map(|n| n.hash()),
                one,
                "{threads} threads"
            );
        }
        // And the same as growing the tree batch by batch.
        let mut grown = SparseMerkleTree::new();
        for chunk in leaves.chunks(3_000) {
            grown.update(chunk.iter().map(|(p, h)| (*p, Some(*h))).collect());
        }
        let mut fresh = SparseMerkleTree::new();
        fresh.update(leaves.iter().map(|(p, h)| (*p, Some(*h))).collect());
        assert_eq!(Some(grown.root()), one);
        assert_eq!(Some(fresh.root()), one);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn root_depends_only_on_the_final_set(
            batches in prop::collection::vec(
                prop::collection::vec((0u32..60, prop::option::of(any::<u8>())), 0..20),
                1..8,
            )
        ) {
            let mut tree = SparseMerkleTree::new();
            let mut model: BTreeMap<[u8; 32], Hash> = BTreeMap::new();
            for batch in &batches {
                let updates: Vec<Update> = batch
                    .iter()
                    .map(|(k, v)| (path(*k), v.map(|b| Hash::digest(&[b]))))
                    .collect();
                for (p, v) in &updates {
                    match v {
                        Some(v) => { model.insert(*p, *v); }
                        None => { model.remove(p); }
                    }
                }
                tree.update(updates);
                prop_assert_eq!(tree.root(), reference_root(&model));
            }
        }
    }
}
