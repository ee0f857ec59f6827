//! The delivery ledger's pure parts: which object holds a key, what an entry is and how each operation changes it, the objects' wire protocol, a delivery run's bookkeeping, and parked dead letters.
//!
//! The ledger remembers, per command, that Bloomreach accepted it (for 24 hours), or that a
//! delivery holds it right now (a lease), or why it last failed. It lives in Durable Objects
//! (`ledger_object.rs`); everything here is plain data and rules, tested on the host.

pub mod book;
pub mod dead_letter;
pub mod protocol;
pub mod rules;
pub mod shard;
