//! Delivery bookkeeping without I/O, shared by direct mode and the queue consumer: each command's outcome against its event, when to retry, and the answer a sender gets.

pub mod ledger;
pub mod retry;
pub mod summary;
