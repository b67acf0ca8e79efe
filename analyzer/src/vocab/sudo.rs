//! The Host's records of `parse::sudoers`, filled by the parser as the Host
//! keeps them.

use serde::Serialize;

/// A principal with full rights, and the line that gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// `alice`, `%wheel`, `%#10`, `#0`, `+netgroup` or `ALL`.
    pub principal: String,
    pub path: String,
    pub line: usize,
    pub text: String,
}
