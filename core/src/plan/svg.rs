//! The plan as an SVG picture: per rolling service and scenario, one lane per slot with each
//! task drawn from creation to exit (old spec grey, new spec green, failed red, hatched while
//! it is not yet serving), the UpdateStatus changes as labelled verticals, and the capacity
//! curve (healthy replicas, live containers) below. Plain SVG 1.1, no scripts or fonts needed.

use super::{Plan, SimulationResult};
use crate::rollout::{EndState, Millis, RolloutPlan, SpecSide};
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
/// Height of one task row inside a slot's band.
const ROW: f64 = 7.0;
const CURVE: f64 = 90.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Scale {
    end: Millis,
}

impl Scale {
    fn x(&self, t: Millis) -> f64 {
        LEFT + (WIDTH - LEFT - RIGHT) * (t.min(self.end) as f64) / (self.end.max(1) as f64)
    }
}

fn section(out: &mut String, title: &str, plan: &RolloutPlan, top: f64) -> f64 {
    let end = plan
        .finished_at_ms
        .unwrap_or(plan.simulated_until_ms)
        .max(1_000);
    let scale = Scale { end };
    let slots = plan
        .tasks
        .iter()
        .map(|t| t.slot)
        .max()
        .unwrap_or(0)
        .max(plan.target_replicas);
    let _ = writeln!(
        out,
        r#"<text x="8" y="{:.1}" class="title">{}</text>"#,
        top + 14.0,
        escape(title)
    );
    let lanes_top = top + 24.0;
    // Each slot gets one thin row per task it ever held (old, new, replacements, rollback),
    // so a start-first overlap shows both tasks.
    let mut rows_per_slot = vec![0u32; slots as usize + 1];
    let mut row_of_task = Vec::with_capacity(plan.tasks.len());
    for task in &plan.tasks {
        let slot = task.slot as usize;
        let row = rows_per_slot.get(slot).copied().unwrap_or(0);
        if let Some(r) = rows_per_slot.get_mut(slot) {
            *r += 1;
        }
        row_of_task.push(row);
    }
    let mut slot_top = vec![lanes_top; slots as usize + 2];
    for slot in 1..=slots as usize {
        let rows = rows_per_slot[slot].max(1);
        slot_top[slot + 1] = slot_top[slot] + f64::from(rows) * ROW + 4.0;
        let _ = writeln!(
            out,
            r#"<text x="8" y="{:.1}" class="label">slot {slot}</text>"#,
            slot_top[slot] + ROW
        );
    }
    for (task, row) in plan.tasks.iter().zip(row_of_task) {
        let y = slot_top
            .get(task.slot as usize)
            .copied()
            .unwrap_or(lanes_top)
            + f64::from(row) * ROW;
        let start = task.created_at_ms;
        let stop = task.ended_at_ms.unwrap_or(end);
        let class = match (task.spec, task.end_state) {
            (_, Some(EndState::Failed)) => "failed",
            (SpecSide::From, _) => "old",
            (SpecSide::To, _) => "new",
        };
        let serving_from = task.running_at_ms.unwrap_or(stop);
        let x0 = scale.x(start);
        let x1 = scale.x(serving_from.min(stop));
        let x2 = scale.x(task.stop_requested_at_ms.unwrap_or(stop).min(stop));
        let x3 = scale.x(stop);
        let h = ROW - 1.0;
        let _ = writeln!(
            out,
            r#"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="{class} starting"><title>{} ({:?}) created {} ms</title></rect>"#,
            (x1 - x0).max(0.5),
            escape(&task.task.to_string()),
            task.spec,
            start
        );
        if serving_from < stop {
            let _ = writeln!(
                out,
                r#"<rect x="{x1:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="{class}"/>"#,
                (x2 - x1).max(0.5)
            );
        }
        if x3 > x2 {
            let _ = writeln!(
                out,
                r#"<rect x="{x2:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="{class} stopping"/>"#,
                x3 - x2
            );
        }
    }
    let lanes_bottom = slot_top[slots as usize + 1];
    for change in &plan.status_changes {
        let x = scale.x(change.at_ms);
        // Labels near the right edge are drawn to the left of their line.
        let (label_x, anchor) = if x > WIDTH - 160.0 {
            (x - 2.0, "end")
        } else {
            (x + 2.0, "start")
        };
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{lanes_top:.1}" x2="{x:.1}" y2="{:.1}" class="status"/><text x="{label_x:.1}" y="{:.1}" text-anchor="{anchor}" class="status-label">{} {}s</text>"#,
            lanes_bottom + CURVE,
            lanes_top - 2.0,
            escape(change.state.as_str()),
            change.at_ms as f64 / 1000.0
        );
    }
    // Capacity curve.
    let curve_top = lanes_bottom + 10.0;
    let max = plan.max_containers.max(plan.target_replicas).max(1);
    let y_of = |v: u32| curve_top + CURVE - 10.0 - (CURVE - 20.0) * f64::from(v) / f64::from(max);
    for (series, class) in [(true, "healthy"), (false, "containers")] {
        let mut d = String::new();
        let mut last: Option<f64> = None;
        for p in &plan.capacity {
            let v = if series { p.healthy } else { p.containers };
            let x = scale.x(p.at_ms);
            match last {
                None => {
                    let _ = write!(d, "M{x:.1},{:.1}", y_of(v));
                }
                Some(prev) => {
                    let _ = write!(d, " L{x:.1},{prev:.1} L{x:.1},{:.1}", y_of(v));
                }
            }
            last = Some(y_of(v));
        }
        if let Some(prev) = last {
            let _ = write!(d, " L{:.1},{prev:.1}", scale.x(end));
        }
        let _ = writeln!(out, r#"<path d="{d}" class="{class}"/>"#);
    }
    let target_y = y_of(plan.target_replicas);
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{target_y:.1}" x2="{:.1}" y2="{target_y:.1}" class="target"/><text x="8" y="{:.1}" class="label">replicas {}</text>"#,
        WIDTH - RIGHT,
        target_y + 4.0,
        plan.target_replicas
    );
    let axis_y = curve_top + CURVE;
    let step = [1_000u64, 5_000, 10_000, 30_000, 60_000, 300_000]
        .into_iter()
        .find(|s| end / s <= 12)
        .unwrap_or(600_000);
    let mut t = 0;
    while t <= end {
        let x = scale.x(t);
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{axis_y:.1}" class="tick">{}s</text>"#,
            t / 1000
        );
        t += step;
    }
    axis_y + 16.0
}

/// The whole plan as one SVG document.
pub fn svg(plan: &Plan) -> String {
    let mut body = String::new();
    let mut y = 8.0;
    for service in &plan.services {
        for sim in &service.simulations {
            if let SimulationResult::Plan(p) = &sim.result {
                let title = format!("{} — {} — {:?}", service.name, sim.scenario, p.outcome);
                y = section(&mut body, &title, p, y) + 12.0;
            }
        }
    }
    if body.is_empty() {
        let _ = writeln!(
            body,
            r#"<text x="8" y="24" class="title">no rolling update in this plan</text>"#
        );
        y = 40.0;
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:.0}" viewBox="0 0 {WIDTH} {y:.0}" font-family="sans-serif">
<style>
.title {{ font-size: 13px; font-weight: bold; }}
.label, .tick {{ font-size: 10px; fill: #444; }}
.status-label {{ font-size: 9px; fill: #333; }}
.old {{ fill: #9aa5b1; }} .new {{ fill: #2f9e44; }} .failed {{ fill: #e03131; }}
.starting {{ opacity: 0.45; }} .stopping {{ opacity: 0.25; }}
.status {{ stroke: #555; stroke-dasharray: 3 3; }}
.healthy {{ fill: none; stroke: #1971c2; stroke-width: 2; }}
.containers {{ fill: none; stroke: #f08c00; stroke-width: 1; stroke-dasharray: 4 2; }}
.target {{ stroke: #aaa; stroke-dasharray: 1 3; }}
</style>
<rect width="100%" height="100%" fill="white"/>
{body}</svg>
"##
    )
}
