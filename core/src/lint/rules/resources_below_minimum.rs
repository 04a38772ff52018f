#![doc = include_str!("resources_below_minimum.md")]

use crate::lint::context::{LintContext, at, float, int};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP008",
    name: "resources-below-minimum",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "memory below 4 MiB or CPUs below 0.001 are rejected by Swarm",
    doc: include_str!("resources_below_minimum.md"),
    check,
};

const MIN_MEMORY: i64 = 4 * 1024 * 1024;

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        for side in ["limits", "reservations"] {
            if let Some(node) = service.get(&["deploy", "resources", side, "memory"])
                && let Some(bytes) = int(node)
                && bytes != 0
                && bytes < MIN_MEMORY
            {
                out.push(
                    Diagnostic::new(
                        &RULE,
                        at(node),
                        format!("`resources.{side}.memory` is {bytes} bytes: swarmkit rejects the service (`Must be at least 4MiB`)"),
                    )
                    .service(service.name)
                    .help("byte sizes take a unit: `512M`, `1G` (a bare number is bytes, `k` is kilobytes)"),
                );
            }
            if let Some(node) = service.get(&["deploy", "resources", side, "cpus"])
                && let Some(cpus) = float(node)
                && cpus != 0.0
                && cpus < 0.001
            {
                out.push(
                    Diagnostic::new(
                        &RULE,
                        at(node),
                        format!("`resources.{side}.cpus: {cpus}` is below 0.001: swarmkit rejects the service (`Must be at least 0.001`)"),
                    )
                    .service(service.name)
                    .help("`cpus` is a number of CPUs: `0.5` is half a CPU"),
                );
            }
        }
    }
}
