#![doc = include_str!("invalid_lint_config.md")]

use crate::lint::context::LintContext;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP000",
    name: "invalid-lint-config",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Always,
    summary: "Unknown rule or malformed suppression in stackplan's own configuration",
    doc: include_str!("invalid_lint_config.md"),
    check,
};

/// Reported by the driver and the suppression parser (`lint/mod.rs`, `lint/suppress.rs`),
/// which see the configuration; nothing to check in the project itself.
fn check(_: &LintContext<'_>, _: &mut Vec<Diagnostic>) {}
