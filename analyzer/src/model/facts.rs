//! The one place that binds snapshot paths to parsers: reads a path, runs
//! its parser, and keeps every parse error (with the path) for the report.

use std::borrow::Cow;
use std::cell::RefCell;

use lift_bundle::Fact;
use serde::Serialize;

use crate::parse::{ParseError, Partial};
use crate::snapshot::{Data, Lookup, Node, Root};

/// A source that exists but could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

pub struct Facts<'s> {
    pub root: Root<'s>,
    problems: RefCell<Vec<Problem>>,
}

impl<'s> Facts<'s> {
    pub fn new(root: Root<'s>) -> Self {
        Facts {
            root,
            problems: RefCell::new(Vec::new()),
        }
    }

    pub fn into_problems(self) -> Vec<Problem> {
        self.problems.into_inner()
    }

    pub fn problem(&self, path: &str, message: impl Into<String>) {
        self.problems.borrow_mut().push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    pub fn bytes(&self, path: &str) -> Option<Cow<'s, [u8]>> {
        self.root.read(path)
    }

    /// The trimmed text of a one-line file (`/proc/sys/...`, `/sys/...`).
    pub fn line(&self, path: &str) -> Option<String> {
        let s = String::from_utf8_lossy(&self.bytes(path)?)
            .trim()
            .to_string();
        (!s.is_empty()).then_some(s)
    }

    pub fn parse<T>(
        &self,
        path: &str,
        parser: impl Fn(&[u8]) -> Result<T, ParseError>,
    ) -> Option<T> {
        let bytes = self.bytes(path)?;
        match parser(&bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(path, e.to_string());
                None
            }
        }
    }

    pub fn partial<T>(&self, path: &str, parser: impl Fn(&[u8]) -> Partial<T>) -> Option<T> {
        let bytes = self.bytes(path)?;
        let p = parser(&bytes);
        for e in p.errors {
            self.problem(path, e.to_string());
        }
        Some(p.value)
    }

    /// Why a path gave nothing: absent, or unreadable and why.
    pub fn why_missing(&self, path: &str) -> String {
        match self.root.lookup(path) {
            Lookup::Found(Node {
                content: Data::Unreadable { message, .. },
                ..
            }) => {
                format!("{path} could not be read: {message}")
            }
            Lookup::Found(Node {
                content: Data::Skipped(r),
                ..
            }) => format!("{path} was not captured ({r:?})"),
            Lookup::Found(Node {
                content: Data::Truncated { size, .. },
                ..
            }) => {
                format!("{path} was only partly captured ({size} bytes)")
            }
            Lookup::Found(_) => format!("{path} holds no content"),
            Lookup::Absent => format!("{path} is absent"),
            Lookup::Broken(e) => e,
        }
    }

    pub fn facts(&self) -> impl Iterator<Item = &'s Fact> {
        self.root.provenance().facts.iter()
    }
}
