//! Text renderings of a plan's placement and maintenance sections (`stackplan plan --nodes
//! FILE`, `--drain`, `--node-down`, `--promote`, `--demote`). The markdown is the same text
//! in a code block; the SVG does not show them (the JSON plan has everything).

use super::Plan;
use crate::placement::maintenance::{ControlPlane, MaintenancePreview, StepEvent};
use crate::placement::measured::Measured;
use crate::placement::{Availability, NodeState, Role, StackPlacement};
use std::fmt::Write as _;

/// The placement and maintenance sections for the human format ("" without them).
pub fn human(plan: &Plan) -> String {
    let mut out = String::new();
    if let Some(p) = &plan.placement {
        placement(p, &mut out);
    }
    if let Some(m) = &plan.maintenance {
        maintenance(m, &mut out);
    }
    out
}

/// The same sections for the markdown format, in a code block.
pub fn markdown(plan: &Plan) -> String {
    let text = human(plan);
    if text.is_empty() {
        return text;
    }
    format!(
        "### Placement and node maintenance\n\n```text\n{}```\n",
        text.trim_start()
    )
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Manager => "manager",
        Role::Worker => "worker",
    }
}

fn availability(a: Availability) -> &'static str {
    match a {
        Availability::Active => "active",
        Availability::Pause => "pause",
        Availability::Drain => "drain",
    }
}

fn node_state(s: NodeState) -> &'static str {
    match s {
        NodeState::Ready => "ready",
        NodeState::Down => "down",
        NodeState::Unknown => "unknown",
        NodeState::Disconnected => "disconnected",
    }
}

fn counts(c: &std::collections::BTreeMap<String, u32>) -> String {
    if c.is_empty() {
        return "none".to_owned();
    }
    c.iter()
        .map(|(n, k)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn placement(p: &StackPlacement, out: &mut String) {
    let _ = writeln!(
        out,
        "\nNodes and tasks (scheduler model; ties go to the node listed first, Swarm picks at random):"
    );
    for n in &p.nodes {
        let _ = writeln!(
            out,
            "  {:<14} {:<8} {:<7} {:<6}{} {} task{}",
            n.hostname,
            role(n.role),
            availability(n.availability),
            node_state(n.state),
            if n.leader { " leader" } else { "       " },
            n.tasks,
            if n.tasks == 1 { "" } else { "s" }
        );
    }
    for (name, s) in &p.services {
        let _ = writeln!(out, "  {name} ({}): {}", s.mode, counts(&s.tasks));
        if let Some(pending) = &s.pending {
            let _ = writeln!(out, "    {} pending: {}", pending.tasks, pending.reason);
        }
        for r in &s.rollouts {
            let waves: Vec<String> = r
                .waves
                .iter()
                .map(|w| format!("{}s → {}", w.at_ms as f64 / 1000.0, w.nodes.join("+")))
                .collect();
            let _ = writeln!(
                out,
                "    update, {}: new tasks {}; after: {}",
                r.scenario,
                if waves.is_empty() {
                    "none".to_owned()
                } else {
                    waves.join(", ")
                },
                counts(&r.after)
            );
            if let Some(pending) = &r.pending {
                let _ = writeln!(
                    out,
                    "      STALLS: {} new task{} pending for good ({}): the update stays `updating`",
                    pending.tasks,
                    if pending.tasks == 1 { "" } else { "s" },
                    pending.reason
                );
            }
        }
    }
}

fn time(m: &Option<Measured>) -> String {
    match m {
        None => "at once".to_owned(),
        Some(m) => format!(
            "≈ {:.1} s ({:.1}–{:.1} s measured, {})",
            m.median_s, m.min_s, m.max_s, m.source
        ),
    }
}

fn control(c: &ControlPlane) -> String {
    format!(
        "{} manager{} ({}), {} reachable, quorum {}, tolerates {} failure{}, leader {}",
        c.managers,
        if c.managers == 1 { "" } else { "s" },
        c.manager_nodes.join(", "),
        c.reachable,
        c.quorum,
        c.tolerates,
        if c.tolerates == 1 { "" } else { "s" },
        c.leader.as_deref().unwrap_or("NONE (no quorum)")
    )
}

fn event(e: &StepEvent, out: &mut String) {
    let _ = writeln!(out, "      {}: {}", time(&e.at), e.what);
}

fn maintenance(m: &MaintenancePreview, out: &mut String) {
    let _ = writeln!(
        out,
        "\nMaintenance preview (times measured on the five-node test bed, docs/fidelity/cluster):"
    );
    let _ = writeln!(
        out,
        "  control plane before: {}",
        control(&m.before.control_plane)
    );
    for (i, step) in m.steps.iter().enumerate() {
        let verb = match &step.step {
            crate::placement::MaintenanceStep::Drain(_) => "drain",
            crate::placement::MaintenanceStep::Activate(_) => "activate",
            crate::placement::MaintenanceStep::NodeDown(_) => "node down (power loss)",
            crate::placement::MaintenanceStep::Promote(_) => "promote",
            crate::placement::MaintenanceStep::Demote(_) => "demote",
        };
        let _ = writeln!(out, "  {}. {verb} {}", i + 1, step.node);
        if let Some(refused) = &step.refused {
            let _ = writeln!(out, "      REFUSED by Swarm: {refused}");
            continue;
        }
        for mv in &step.moves {
            let dest = if mv.to.is_empty() {
                "not replaced".to_owned()
            } else {
                format!("→ {}", counts(&mv.to))
            };
            let _ = writeln!(
                out,
                "      {}: {} task{} off {} {dest}{}",
                mv.service,
                mv.tasks,
                if mv.tasks == 1 { "" } else { "s" },
                mv.from,
                mv.note
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            if let Some(p) = &mv.pending {
                let _ = writeln!(out, "        {} pending: {}", p.tasks, p.reason);
            }
        }
        for e in &step.events {
            event(e, out);
        }
        for c in &step.capacity {
            let _ = writeln!(
                out,
                "      capacity {}: {} → lowest {} → {} of {} ({})",
                c.service,
                c.before,
                c.lowest,
                c.after,
                c.desired,
                time(&c.settled_at)
            );
        }
        for w in &step.warnings {
            let _ = writeln!(out, "      warning: {w}");
        }
    }
    let _ = writeln!(
        out,
        "  control plane after: {}",
        control(&m.after.control_plane)
    );
    for (service, tasks) in &m.after.tasks {
        let _ = writeln!(out, "  {service} after: {}", counts(tasks));
    }
    for (service, p) in &m.after.pending {
        let _ = writeln!(out, "  {service}: {} pending: {}", p.tasks, p.reason);
    }
    for w in &m.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
}
