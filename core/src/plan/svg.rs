//! The plan as an SVG picture: per rolling service and scenario, one lane per slot with each
//! task drawn from creation to exit (previous version grey, new version green, tasks of a
//! failing version red; faded while not yet serving, light while told to stop), the
//! UpdateStatus changes as labelled verticals, outages shaded, and the capacity chart
//! (replicas serving, live containers, target) on a labelled axis below. A legend explains
//! every colour, line and fade. Plain SVG 1.1, no scripts or web fonts.
//!
//! Layout invariants (checked by `core/tests/plan_render.rs`): no text overlaps a task bar
//! (labels live in the left margin, in a band of their own above the lanes, or below the
//! chart), status labels do not overlap each other, and the height is bounded: beyond
//! [`MAX_LANES`] slots, lanes aggregate several slots each.

use super::render::{seconds, task_kind};
use super::{Plan, SimulationResult};
use crate::rollout::{Creator, EndState, Millis, Outcome, RolloutPlan, SpecSide, TaskSummary};
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 96.0;
const RIGHT: f64 = 24.0;
/// Height of one task row inside a slot's lane.
const ROW: f64 = 7.0;
/// Gap between lanes.
const LANE_GAP: f64 = 3.0;
/// Rows per slot before tasks that overlap in time share the last row.
const MAX_ROWS_PER_SLOT: usize = 3;
/// Lanes per chart; more slots are aggregated several to a lane.
pub const MAX_LANES: u32 = 50;
const CURVE: f64 = 96.0;
const LABEL_FONT: f64 = 9.0;
const LABEL_ROW: f64 = 11.0;
/// Width of a character, as a fraction of the font size (generous for sans-serif).
const CHAR_WIDTH: f64 = 0.62;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text_width(text: &str, font: f64) -> f64 {
    text.chars().count() as f64 * font * CHAR_WIDTH
}

struct Scale {
    end: Millis,
}

impl Scale {
    fn x(&self, t: Millis) -> f64 {
        LEFT + (WIDTH - LEFT - RIGHT) * (t.min(self.end) as f64) / (self.end.max(1) as f64)
    }
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::NoUpdate => "nothing to replace",
        Outcome::Completed => "completed",
        Outcome::Paused => "paused",
        Outcome::RolledBack => "rolled back",
        Outcome::RollbackPaused => "rollback paused",
        Outcome::HangsForever => "hangs forever",
        Outcome::Stalled => "stalled",
        Outcome::Unfinished => "unfinished",
    }
}

/// `new task 1 (N1)`: what the task is, then the label the text output uses.
fn task_title(label: &str) -> String {
    let suffix = label.trim_start_matches(|c: char| c.is_ascii_uppercase());
    format!("{} {suffix} ({label})", task_kind(label))
}

/// Whether a version fails in this simulation: one of its tasks created during the
/// rollout failed or exited on its own.
fn failing_side(plan: &RolloutPlan, side: SpecSide) -> bool {
    plan.tasks
        .iter()
        .any(|t| t.spec == side && t.created_by != Creator::Initial && ended_by_itself(t))
}

fn ended_by_itself(t: &TaskSummary) -> bool {
    matches!(t.end_state, Some(EndState::Failed | EndState::Complete))
        && t.stop_requested_at_ms
            .is_none_or(|s| Some(s) >= t.ended_at_ms)
}

/// The colour class of a task: a task that failed, and every task this rollout created for
/// a version that fails in it (replacements included), is red whatever its spec.
fn task_class(t: &TaskSummary, failing: [bool; 2]) -> &'static str {
    let side_fails = match t.spec {
        SpecSide::From => failing[0],
        SpecSide::To => failing[1],
    };
    if ended_by_itself(t) || (side_fails && t.created_by != Creator::Initial) {
        return "failed";
    }
    match t.spec {
        SpecSide::From => "old",
        SpecSide::To => "new",
    }
}

/// When a task served: tasks that ran before the deploy serve from the start.
fn serving_from(t: &TaskSummary) -> Option<Millis> {
    match (t.running_at_ms, t.created_by) {
        (Some(r), _) => Some(r),
        (None, Creator::Initial) if !t.pending && t.started_at_ms.is_none() => {
            Some(t.created_at_ms)
        }
        _ => None,
    }
}

fn task_tooltip(t: &TaskSummary) -> String {
    let mut s = format!(
        "{}, slot {}: created {}",
        task_title(&t.task),
        t.slot,
        seconds(t.created_at_ms)
    );
    if let Some(r) = serving_from(t) {
        let _ = write!(s, ", serving from {}", seconds(r));
    }
    if let Some(x) = t.stop_requested_at_ms {
        let _ = write!(s, ", told to stop at {}", seconds(x));
    }
    match (t.ended_at_ms, t.end_state) {
        (Some(e), Some(EndState::Failed)) => {
            let _ = write!(s, ", failed at {}", seconds(e));
        }
        (Some(e), Some(EndState::Complete)) => {
            let _ = write!(s, ", exited 0 at {}", seconds(e));
        }
        (Some(e), _) => {
            let _ = write!(s, ", stopped at {}", seconds(e));
        }
        (None, _) if t.pending => s.push_str(", never placed on a node"),
        (None, _) => {}
    }
    s
}

/// A text element; every label goes through here so that its box is known.
fn text(out: &mut String, x: f64, y: f64, size: f64, anchor: &str, class: &str, body: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" class="{class}">{}</text>"#,
        escape(body)
    );
}

/// Intervals `[from, until)` with no replica serving.
fn outages(plan: &RolloutPlan, end: Millis) -> Vec<(Millis, Millis)> {
    if plan.target_replicas == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut open = None;
    for p in &plan.capacity {
        match (p.healthy == 0, open) {
            (true, None) => open = Some(p.at_ms),
            (false, Some(from)) => {
                out.push((from, p.at_ms));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push((from, end));
    }
    out.retain(|(a, b)| b > a);
    out
}

/// Packs the tasks of one slot into rows so that tasks that overlap in time get their own.
fn rows_of(tasks: &[&TaskSummary], end: Millis) -> Vec<usize> {
    let mut row_end: Vec<Millis> = Vec::new();
    tasks
        .iter()
        .map(|t| {
            let stop = t.ended_at_ms.unwrap_or(end);
            let row = row_end
                .iter()
                .position(|&e| e <= t.created_at_ms)
                .unwrap_or(row_end.len())
                .min(MAX_ROWS_PER_SLOT - 1);
            if row == row_end.len() {
                row_end.push(stop);
            } else {
                row_end[row] = row_end[row].max(stop);
            }
            row
        })
        .collect()
}

fn task_bars(out: &mut String, scale: &Scale, t: &TaskSummary, y: f64, class: &str, end: Millis) {
    let start = t.created_at_ms;
    let stop = t.ended_at_ms.unwrap_or(end);
    let serving_from = serving_from(t).unwrap_or(stop).min(stop);
    let stop_asked = t
        .stop_requested_at_ms
        .unwrap_or(stop)
        .clamp(serving_from, stop);
    let h = ROW - 1.0;
    let (x0, x1, x2, x3) = (
        scale.x(start),
        scale.x(serving_from),
        scale.x(stop_asked),
        scale.x(stop),
    );
    let tip = escape(&task_tooltip(t));
    let _ = writeln!(
        out,
        r#"<g class="task"><title>{tip}</title><rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="bar {class} starting"/>"#,
        (x1 - x0).max(0.8)
    );
    if x2 > x1 {
        let _ = writeln!(
            out,
            r#"<rect x="{x1:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="bar {class}"/>"#,
            x2 - x1
        );
    }
    if x3 > x2 {
        let _ = writeln!(
            out,
            r#"<rect x="{x2:.1}" y="{y:.1}" width="{:.1}" height="{h}" class="bar {class} stopping"/>"#,
            x3 - x2
        );
    }
    out.push_str("</g>\n");
}

/// Lanes of aggregated slots: per class, how many of the lane's tasks exist over time,
/// drawn with an opacity that grows with the count.
fn aggregated_lane(
    out: &mut String,
    scale: &Scale,
    tasks: &[(&TaskSummary, &'static str)],
    top: f64,
    per_lane: u32,
    end: Millis,
) {
    for (row, class) in ["old", "new", "failed"].into_iter().enumerate() {
        let mut changes: Vec<(Millis, i64)> = Vec::new();
        for (t, c) in tasks {
            if *c == class {
                changes.push((t.created_at_ms, 1));
                changes.push((t.ended_at_ms.unwrap_or(end), -1));
            }
        }
        changes.sort_unstable();
        let y = top + row as f64 * ROW;
        let mut alive = 0i64;
        for (i, (at, delta)) in changes.iter().enumerate() {
            alive += delta;
            let next = changes.get(i + 1).map_or(end, |c| c.0);
            if alive > 0 && next > *at {
                let share = (alive as f64 / f64::from(per_lane.max(1))).min(1.0);
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{}" class="bar {class}" fill-opacity="{:.2}"><title>{alive} {class} task(s)</title></rect>"#,
                    scale.x(*at),
                    scale.x(next) - scale.x(*at),
                    ROW - 1.0,
                    0.2 + 0.8 * share
                );
            }
        }
    }
}

/// Places labels `(x, text)` in rows so that none overlaps another; returns, per label, its
/// row, x and anchor, and the number of rows.
fn place_labels(labels: &[(f64, String)]) -> (Vec<(usize, f64, &'static str)>, usize) {
    let mut rows: Vec<f64> = Vec::new();
    let mut placed = Vec::new();
    for (x, body) in labels {
        let w = text_width(body, LABEL_FONT);
        let (left, anchor, tx) = if x + 2.0 + w > WIDTH - 2.0 {
            (x - 2.0 - w, "end", x - 2.0)
        } else {
            (x + 2.0, "start", x + 2.0)
        };
        let row = rows
            .iter()
            .position(|&right| right + 4.0 <= left)
            .unwrap_or(rows.len());
        if row == rows.len() {
            rows.push(left + w);
        } else {
            rows[row] = left + w;
        }
        placed.push((row, tx, anchor));
    }
    let n = rows.len();
    (placed, n)
}

/// One scenario's picture; `unit` names a lane: `slot`, or `node` for a global service.
fn section(out: &mut String, title: &str, plan: &RolloutPlan, unit: &str, top: f64) -> f64 {
    let end = plan
        .finished_at_ms
        .unwrap_or(plan.simulated_until_ms)
        .max(1_000);
    let scale = Scale { end };
    text(out, 8.0, top + 14.0, 13.0, "start", "title", title);

    // UpdateStatus labels in their own band above the lanes.
    let labels: Vec<(f64, String)> = plan
        .status_changes
        .iter()
        .map(|c| {
            (
                scale.x(c.at_ms),
                format!("{} {}", c.state.as_str(), seconds(c.at_ms)),
            )
        })
        .collect();
    let (placed, label_rows) = place_labels(&labels);
    let band_top = top + 22.0;
    for ((row, x, anchor), (_, body)) in placed.iter().zip(&labels) {
        let y = band_top + (*row as f64 + 1.0) * LABEL_ROW - 2.0;
        text(out, *x, y, LABEL_FONT, anchor, "status-label", body);
    }
    let lanes_top = band_top + label_rows as f64 * LABEL_ROW + 4.0;

    // Lanes: one per slot, or per group of slots beyond MAX_LANES.
    let slots = plan
        .tasks
        .iter()
        .map(|t| t.slot)
        .max()
        .unwrap_or(0)
        .max(plan.target_replicas)
        .max(1);
    let per_lane = slots.div_ceil(MAX_LANES);
    let lanes = slots.div_ceil(per_lane);
    let failing = [
        failing_side(plan, SpecSide::From),
        failing_side(plan, SpecSide::To),
    ];
    let classed: Vec<(&TaskSummary, &'static str)> = plan
        .tasks
        .iter()
        .map(|t| (t, task_class(t, failing)))
        .collect();
    let mut y = lanes_top;
    let mut bars = String::new();
    for lane in 0..lanes {
        let first = lane * per_lane + 1;
        let last = ((lane + 1) * per_lane).min(slots);
        let in_lane: Vec<(&TaskSummary, &'static str)> = classed
            .iter()
            .filter(|(t, _)| t.slot.max(1) >= first && t.slot.max(1) <= last)
            .copied()
            .collect();
        let height = if per_lane == 1 {
            let tasks: Vec<&TaskSummary> = in_lane.iter().map(|(t, _)| *t).collect();
            let rows = rows_of(&tasks, end);
            for ((t, class), row) in in_lane.iter().zip(&rows) {
                task_bars(&mut bars, &scale, t, y + *row as f64 * ROW, class, end);
            }
            let used = rows.iter().max().map_or(1, |r| r + 1);
            used as f64 * ROW
        } else {
            aggregated_lane(&mut bars, &scale, &in_lane, y, last - first + 1, end);
            3.0 * ROW
        };
        let name = if per_lane == 1 {
            format!("{unit} {first}")
        } else {
            format!("{unit}s {first}–{last}")
        };
        text(
            out,
            LEFT - 6.0,
            y + ROW - 0.5,
            LABEL_FONT,
            "end",
            "label",
            &name,
        );
        y += height + LANE_GAP;
    }
    let lanes_bottom = y;

    // Capacity chart with a labelled axis.
    let curve_top = lanes_bottom + 8.0;
    let curve_bottom = curve_top + CURVE;
    let max = plan.max_containers.max(plan.target_replicas).max(1);
    let y_of = |v: u32| curve_bottom - (CURVE - 8.0) * f64::from(v) / f64::from(max);

    // Outages behind everything: across the lanes and the chart.
    for (from, until) in outages(plan, end) {
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{lanes_top:.1}" width="{:.1}" height="{:.1}" class="outage"><title>outage: no replica serving from {} to {}</title></rect>"#,
            scale.x(from),
            (scale.x(until) - scale.x(from)).max(1.0),
            curve_bottom - lanes_top,
            seconds(from),
            seconds(until)
        );
    }
    out.push_str(&bars);
    for change in &plan.status_changes {
        let x = scale.x(change.at_ms);
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{curve_bottom:.1}" class="status"/>"#,
            lanes_top - 3.0
        );
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{curve_top:.1}" x2="{LEFT}" y2="{curve_bottom:.1}" class="axis"/><line x1="{LEFT}" y1="{curve_bottom:.1}" x2="{:.1}" y2="{curve_bottom:.1}" class="axis"/>"#,
        WIDTH - RIGHT
    );
    let tick_step = [1u32, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        .into_iter()
        .find(|s| max / s <= 4)
        .unwrap_or(10_000);
    let mut v = 0;
    while v <= max {
        let ty = y_of(v);
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{ty:.1}" x2="{LEFT}" y2="{ty:.1}" class="axis"/>"#,
            LEFT - 3.0
        );
        text(
            out,
            LEFT - 5.0,
            ty + 3.0,
            LABEL_FONT,
            "end",
            "tick",
            &v.to_string(),
        );
        v += tick_step;
    }
    text(
        out,
        8.0,
        curve_top + 10.0,
        LABEL_FONT,
        "start",
        "label",
        "replicas",
    );
    for (serving, class) in [(true, "serving"), (false, "containers")] {
        let mut d = String::new();
        let mut last: Option<f64> = None;
        for p in &plan.capacity {
            let value = if serving { p.healthy } else { p.containers };
            let x = scale.x(p.at_ms);
            match last {
                None => {
                    let _ = write!(d, "M{x:.1},{:.1}", y_of(value));
                }
                Some(prev) => {
                    let _ = write!(d, " L{x:.1},{prev:.1} L{x:.1},{:.1}", y_of(value));
                }
            }
            last = Some(y_of(value));
        }
        if let Some(prev) = last {
            let _ = write!(d, " L{:.1},{prev:.1}", scale.x(end));
        }
        let _ = writeln!(out, r#"<path d="{d}" class="{class}"/>"#);
    }
    let target_y = y_of(plan.target_replicas);
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{target_y:.1}" x2="{:.1}" y2="{target_y:.1}" class="target"/>"#,
        WIDTH - RIGHT
    );
    let axis_y = curve_bottom + 12.0;
    let step = [
        1_000u64, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
        1_800_000,
    ]
    .into_iter()
    .find(|s| end / s <= 12)
    .unwrap_or(3_600_000);
    let mut t = 0;
    while t <= end {
        let x = scale.x(t);
        let anchor = if t == 0 { "start" } else { "middle" };
        text(out, x, axis_y, LABEL_FONT, anchor, "tick", &seconds(t));
        t += step;
    }
    text(
        out,
        WIDTH - RIGHT,
        axis_y + 12.0,
        LABEL_FONT,
        "end",
        "label",
        "seconds after the deploy",
    );
    axis_y + 18.0
}

/// The legend, once at the top: every colour, fade and line used below.
fn legend(out: &mut String, top: f64) -> f64 {
    let swatches = [
        ("bar old", "previous version"),
        ("bar new", "new version"),
        ("bar failed", "task of a failing version"),
        ("bar new starting", "faded: created, not serving yet"),
        ("bar new stopping", "light: told to stop, still running"),
    ];
    let lines = [
        ("serving", "replicas serving (in the load balancer)"),
        ("containers", "live containers"),
        ("target", "target replicas"),
        ("status", "UpdateStatus change"),
    ];
    let mut x = 8.0;
    let mut y = top + 10.0;
    let place = |w: f64, x: &mut f64, y: &mut f64| {
        if *x + w > WIDTH - RIGHT {
            *x = 8.0;
            *y += 14.0;
        }
        let at = (*x, *y);
        *x += w + 14.0;
        at
    };
    for (class, words) in swatches {
        let (sx, sy) = place(16.0 + text_width(words, LABEL_FONT), &mut x, &mut y);
        let _ = writeln!(
            out,
            r#"<rect x="{sx:.1}" y="{:.1}" width="12" height="{}" class="{class}"/>"#,
            sy - 6.0,
            ROW - 1.0
        );
        text(out, sx + 16.0, sy, LABEL_FONT, "start", "label", words);
    }
    for (class, words) in lines {
        let (sx, sy) = place(22.0 + text_width(words, LABEL_FONT), &mut x, &mut y);
        if class == "status" {
            let _ = writeln!(
                out,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="{class}"/>"#,
                sx + 8.0,
                sy - 8.0,
                sx + 8.0,
                sy + 2.0
            );
        } else {
            let _ = writeln!(
                out,
                r#"<line x1="{sx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="{class}"/>"#,
                sy - 3.0,
                sx + 18.0,
                sy - 3.0
            );
        }
        text(out, sx + 22.0, sy, LABEL_FONT, "start", "label", words);
    }
    let (sx, sy) = place(
        16.0 + text_width("outage: no replica serving", LABEL_FONT),
        &mut x,
        &mut y,
    );
    let _ = writeln!(
        out,
        r#"<rect x="{sx:.1}" y="{:.1}" width="12" height="10" class="outage"/>"#,
        sy - 8.0
    );
    text(
        out,
        sx + 16.0,
        sy,
        LABEL_FONT,
        "start",
        "label",
        "outage: no replica serving",
    );
    y + 10.0
}

/// The whole plan as one SVG document.
pub fn svg(plan: &Plan) -> String {
    let mut body = String::new();
    let mut y = legend(&mut body, 4.0) + 6.0;
    let mut any = false;
    for service in &plan.services {
        // The simulations the text shows: none for 0 replicas or a file Swarm refuses.
        for sim in super::render::shown_simulations(service) {
            if let SimulationResult::Plan(p) = &sim.result {
                if p.target_replicas == 0 && p.tasks.is_empty() {
                    continue;
                }
                any = true;
                let when = super::render::outcome_at(p)
                    .map(|t| format!(" after {}", seconds(t)))
                    .unwrap_or_default();
                let title = format!(
                    "{} — scenario {} — {}{when}",
                    service.name,
                    sim.scenario,
                    outcome_words(p.outcome)
                );
                let global = matches!(
                    service.effective.as_ref().map(|e| e.spec.mode),
                    Some(crate::rollout::ServiceMode::Global { .. })
                );
                let unit = if global { "node" } else { "slot" };
                y = section(&mut body, &title, p, unit, y) + 12.0;
            }
        }
    }
    if !any {
        body.clear();
        text(
            &mut body,
            8.0,
            24.0,
            13.0,
            "start",
            "title",
            "no rolling update in this plan",
        );
        y = 40.0;
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:.0}" viewBox="0 0 {WIDTH} {y:.0}" font-family="sans-serif">
<style>
.title {{ font-weight: bold; }}
.label, .tick {{ fill: #444; }}
.status-label {{ fill: #333; }}
.old {{ fill: #9aa5b1; }} .new {{ fill: #2f9e44; }} .failed {{ fill: #e03131; }}
.starting {{ opacity: 0.45; }} .stopping {{ opacity: 0.25; }}
.bar {{ stroke: white; stroke-width: 0.6; }}
.status {{ stroke: #555; stroke-dasharray: 3 3; }}
.axis {{ stroke: #888; }}
.serving {{ fill: none; stroke: #1971c2; stroke-width: 2; }}
.containers {{ fill: none; stroke: #f08c00; stroke-width: 1; stroke-dasharray: 4 2; }}
.target {{ stroke: #777; stroke-dasharray: 1 3; }}
.outage {{ fill: #e03131; fill-opacity: 0.12; }}
</style>
<rect width="100%" height="100%" fill="white"/>
{body}</svg>
"##
    )
}
