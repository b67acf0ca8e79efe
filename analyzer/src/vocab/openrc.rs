//! The Host's records of `parse::openrc`, filled by the parser as the Host
//! keeps them.

use serde::Serialize;

/// An OpenRC script's `depend()` block, one list per keyword.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Depend {
    /// Started before it, and it fails without them.
    pub need: Vec<String>,
    /// Started before it when they are in the runlevel.
    #[serde(rename = "use")]
    pub use_: Vec<String>,
    /// Started before it when they can be, whether in the runlevel or not.
    pub want: Vec<String>,
    pub after: Vec<String>,
    pub before: Vec<String>,
    /// Virtual services it provides (`logger`, `net`).
    pub provide: Vec<String>,
    /// Where it does not run (`-docker`, `-lxc`).
    pub keyword: Vec<String>,
}
