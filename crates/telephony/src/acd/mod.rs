//! Queues and agents (design §4): pure strategies and statistics, and the node's ACD state.

pub mod runtime;
pub mod stats;
pub mod strategy;
