//! A lint rule: its identity, documentation and check function.
//!
//! Every rule lives in its own file under [`super::rules`], next to a Markdown file with its
//! documentation. The same Markdown is the module's doc comment (`#![doc = include_str!]`)
//! and the rule's [`Rule::doc`], which `stackplan explain RULE` prints, so the two cannot
//! drift apart.

use super::context::LintContext;
use super::diagnostic::{Diagnostic, Severity};
use serde::Serialize;

/// What a rule is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Values the target platform rejects or misreads (types, enums, ranges).
    Schema,
    /// What `docker stack deploy` rejects or ignores, and what cannot be scheduled.
    Swarm,
    /// Update, rollback and healthcheck settings and how they interact.
    Rollout,
    /// Good practice: pinned images, resource limits, obsolete keys.
    Hygiene,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Schema => "schema",
            Family::Swarm => "swarm",
            Family::Rollout => "rollout",
            Family::Hygiene => "hygiene",
        }
    }
}

/// Which deployment target a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applies {
    /// Only when linting for `docker stack deploy` (`--target swarm`).
    Swarm,
    /// For both targets.
    Always,
}

/// One lint rule. Rules are `static`s; [`super::registry::RULES`] lists them all.
pub struct Rule {
    /// Stable id, `SP` and three digits: `SP0xx` schema, `SP1xx` rollout, `SP2xx` swarm,
    /// `SP3xx` hygiene. Ids are never reused.
    pub id: &'static str,
    /// Stable kebab-case name; accepted wherever an id is.
    pub name: &'static str,
    pub family: Family,
    /// The severity the rule reports with unless configured otherwise.
    pub severity: Severity,
    pub applies: Applies,
    /// One line, used by `--list-rules` and as SARIF's `shortDescription`.
    pub summary: &'static str,
    /// The Markdown documentation: *What it does*, *Why it matters*, *Example*, *Fix*.
    pub doc: &'static str,
    /// Appends this rule's findings for the whole project.
    pub check: fn(&LintContext<'_>, &mut Vec<Diagnostic>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("family", &self.family)
            .field("severity", &self.severity)
            .finish()
    }
}
