//! Delivery bookkeeping without I/O, shared by direct mode, the queue consumer and replays: each command's outcome against its event, when to retry, and the answer a sender gets.

pub mod outcomes;
pub mod retry;
pub mod summary;
