//! Hosts for the aws-mgn rule tests: fixture trees, alone or with the
//! facts only a probe gives.

use std::path::Path;

use lift_bundle::Fact;

use crate::model::{self, Host};
use crate::snapshot::{DirSnapshot, Snapshot};
use crate::testing::{bundle, fixture, TempRoot};

pub fn host_of(dir: &Path) -> Host {
    model::build(&DirSnapshot::new(dir) as &dyn Snapshot)
}

/// A tree as a root probe would bundle it, with these facts.
pub fn bundle_host(root: &TempRoot, facts: Vec<Fact>) -> Host {
    model::build(&bundle(root.path(), facts, true) as &dyn Snapshot)
}

/// The CentOS 6 fixture as a root probe would bundle it, with these facts.
pub fn centos6(facts: Vec<Fact>) -> Host {
    model::build(&bundle(&fixture("centos6-sysv"), facts, true) as &dyn Snapshot)
}
