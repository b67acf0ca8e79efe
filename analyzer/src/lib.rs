//! lift: turns bundles into readiness, diff and fleet reports.
pub mod parse;
