#![doc = include_str!("healthcheck_test_none_string.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP118",
    name: "healthcheck-test-none-string",
    family: Family::Rollout,
    severity: Severity::Error,
    applies: Applies::Always,
    summary: "test: NONE as a string runs the shell command NONE, which always fails",
    doc: include_str!("healthcheck_test_none_string.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some((_, test)) = service.health().field("test") else {
            continue;
        };
        let Some(items) = test.as_seq() else { continue };
        let [first, second] = items.as_slice() else {
            continue;
        };
        if first.as_str() != Some("CMD-SHELL")
            || !second
                .as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("none"))
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(test),
                "`test: NONE` written as a string is the shell command `NONE`, not \"no healthcheck\": the probe always fails and every task becomes unhealthy",
            )
            .service(service.name)
            .help("only the list form `[\"NONE\"]` (or `disable: true`) disables the healthcheck")
            .replace("write `[\"NONE\"]`", at(test), "[\"NONE\"]"),
        );
    }
}
