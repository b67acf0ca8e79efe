//! The one table of words keyed by rule id.

pub const UNTITLED: &str = "(untitled check)";

pub fn title(id: &str) -> &'static str {
    match id {
        "gen.incomplete-bundle" => "The bundle is complete",
        "gen.not-root" => "The probe ran with full privileges",
        "gen.unmanaged-listeners" => "Every listening port belongs to a managed service",
        _ => UNTITLED,
    }
}
