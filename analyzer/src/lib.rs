//! lift: turns bundles into readiness, diff and fleet reports.
//!
//! The modules follow the data: [`snapshot`] (a bundle, its JSON form or a
//! directory, behind one trait) → [`parse`] (bytes in, `Parsed` values
//! out, in [`vocab`]'s records where the Host keeps a record as its bytes
//! give it) → [`sources`] (the table of what the model reads, each row bound to
//! its parser, and the states a read ends in) → [`model`] (the merged
//! `Host`) → [`rules`] (findings for a [`profile`]) → [`diff`] (what
//! changed between two models) → [`report`] (a host's report, a diff's,
//! the fleet index's page: every type [`render`] formats) → [`render`]
//! (Markdown, HTML, JSON) → [`fleet`] (many reports). Arrows only point
//! down that list. Start with `sources::SOURCES`,
//! `model::Host`, `rules::Finding` and `report::Report`;
//! docs/architecture.md walks through adding a fact end to end.

pub mod budget;
pub mod diff;
pub mod encryption;
pub mod fleet;
pub mod lifecycle;
pub mod memory;
pub mod model;
pub mod output;
pub mod parse;
pub mod profile;
pub mod render;
pub mod report;
pub mod rules;
pub mod sizing;
pub mod snapshot;
pub mod sources;
#[cfg(test)]
mod testing;
pub mod version;
pub mod vocab;
pub mod cli {
    //! Command implementations that `main.rs` calls.
    pub mod bundle;
    pub mod input;
    pub mod man;
    pub mod redact;
    pub mod shell;
    pub mod terminal;
}
