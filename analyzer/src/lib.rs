//! lift: turns bundles into readiness, diff and fleet reports.
//!
//! The modules follow the data: [`snapshot`] (a bundle, its JSON form or a
//! directory, behind one trait) → [`parse`] (bytes in, typed values out) →
//! [`model`] (the merged `Host`) → [`rules`] (findings per target profile) →
//! [`render`] (Markdown, HTML, JSON). Arrows only point down that list.
//! Start with `snapshot::Root`, `model::Host` and `rules::Finding`.

pub mod diff;
pub mod fleet;
pub mod model;
pub mod output;
pub mod parse;
pub mod render;
pub mod rules;
pub mod snapshot;
#[cfg(test)]
mod testing;
pub mod cli {
    //! Command implementations that `main.rs` calls.
    pub mod bundle;
    pub mod redact;
    pub mod terminal;
}
