// The rollout view, drawn here from the plan's simulation JSON (the API's `plan` result): one
// lane per slot with each task's phases, the capacity curve, the UpdateStatus changes, and a
// time cursor that the replay moves. Drawn in JS rather than with the core's SVG renderer so
// the cursor, the replay and the per-task hover work without re-rendering anything.

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 960;
const LEFT = 64;
const RIGHT = 14;
const ROW = 13;
const ROW_GAP = 2;
const SLOT_GAP = 6;
const CAP_HEIGHT = 96;

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

export function seconds(ms) {
  if (ms === null || ms === undefined) return "–";
  const s = ms / 1000;
  return (Number.isInteger(s) ? s.toFixed(0) : s.toFixed(1)) + " s";
}

function tickStep(total) {
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]) {
    if (total / (step * 1000) <= 12) return step * 1000;
  }
  return 7200 * 1000;
}

/** Which tasks belong to a failing version: they failed, or went unhealthy. */
function badTasks(sim) {
  const bad = new Set();
  for (const event of sim.events || []) {
    if (event.kind === "task_unhealthy") bad.add(event.task);
    if (event.kind === "task_ended" && event.state === "failed") bad.add(event.task);
  }
  for (const task of sim.tasks) if (task.end_state === "failed") bad.add(task.task);
  return bad;
}

function taskErrors(sim) {
  const errors = new Map();
  for (const event of sim.events || []) {
    if (event.kind === "task_ended" && event.error) errors.set(event.task, event.error);
  }
  return errors;
}

/** Phases of a task as [from, to, phase] intervals (ms), clipped to its life. */
export function phases(task, end) {
  const initial = task.created_by === "initial";
  const created = task.created_at_ms;
  const last = task.ended_at_ms ?? end;
  const started = initial ? created : task.started_at_ms;
  const running = initial ? created : task.running_at_ms;
  const stop = task.stop_requested_at_ms;
  const out = [];
  const push = (a, b, phase) => {
    if (a === null || a === undefined) return;
    const to = Math.min(b ?? last, last);
    if (to > a || (to === a && phase === "running")) out.push([a, to, phase]);
  };
  push(created, started ?? stop ?? last, "created");
  if (started !== null && started !== undefined) push(started, running ?? stop ?? last, "starting");
  if (running !== null && running !== undefined) push(running, stop ?? last, "running");
  if (stop !== null && stop !== undefined) push(stop, last, "stopping");
  return out.filter(([a, b]) => b > a);
}

/** Greedy packing of a slot's tasks into rows that do not overlap in time. */
function pack(tasks, end) {
  const rows = [];
  for (const task of tasks) {
    const from = task.created_at_ms;
    const to = task.ended_at_ms ?? end;
    let row = rows.findIndex((last) => last <= from);
    if (row < 0) {
      row = rows.length;
      rows.push(to);
    } else {
      rows[row] = to;
    }
    task._row = row;
  }
  return Math.max(rows.length, 1);
}

/** Draws one simulation; returns {node, setCursor(ms), end}. */
export function drawSimulation(sim) {
  const end = Math.max(sim.simulated_until_ms || 0, sim.finished_at_ms || 0, 1000);
  const step = tickStep(end);
  const total = Math.ceil((end * 1.04) / step) * step;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (ms) => LEFT + (Math.min(ms, total) / total) * plotWidth;
  const bad = badTasks(sim);
  const errors = taskErrors(sim);

  const slots = [...new Set(sim.tasks.map((t) => t.slot))].sort((a, b) => a - b);
  let y = 22;
  const laneTop = y;
  const lanes = el("g", { class: "lanes" });
  for (const slot of slots) {
    const tasks = sim.tasks.filter((t) => t.slot === slot);
    const rows = pack(tasks, end);
    const height = rows * (ROW + ROW_GAP) - ROW_GAP;
    lanes.append(el("text", { x: 4, y: y + Math.min(height, ROW) - 2, class: "muted-text" }, `slot ${slot}`));
    for (const task of tasks) {
      const colour = bad.has(task.task) ? "t-bad" : task.spec === "to" ? "t-new" : "t-old";
      const top = y + task._row * (ROW + ROW_GAP);
      const group = el("g", { "data-task": task.task, "data-slot": slot, "data-spec": task.spec, class: colour });
      const lines = [
        `${task.task}: slot ${task.slot}, ${task.spec === "to" ? "new" : "previous"} spec, created by ${task.created_by}`,
        `created ${seconds(task.created_at_ms)}` +
          (task.started_at_ms !== null ? `, started ${seconds(task.started_at_ms)}` : "") +
          (task.running_at_ms !== null ? `, running (healthy) ${seconds(task.running_at_ms)}` : "") +
          (task.stop_requested_at_ms !== null ? `, stop requested ${seconds(task.stop_requested_at_ms)}` : ""),
      ];
      if (task.ended_at_ms !== null) lines.push(`ended ${seconds(task.ended_at_ms)}: ${task.end_state}`);
      if (errors.has(task.task)) lines.push(errors.get(task.task));
      group.append(el("title", {}, lines.join("\n")));
      for (const [from, to, phase] of phases(task, end)) {
        group.append(
          el("rect", {
            x: x(from).toFixed(1),
            y: top,
            width: Math.max(x(to) - x(from), 1.5).toFixed(1),
            height: ROW,
            rx: 2,
            class: `phase-${phase}`,
            "data-phase": phase,
          }),
        );
      }
      const first = phases(task, end)[0];
      if (first && x(first[1]) - x(first[0]) > 22) {
        group.append(el("text", { x: x(first[0]) + 3, y: top + ROW - 3, class: "muted-text", style: "font-size:9px" }, task.task));
      }
      if (task.end_state === "failed" && task.ended_at_ms !== null) {
        const ex = x(task.ended_at_ms);
        group.append(el("line", { x1: ex, x2: ex, y1: top - 1, y2: top + ROW + 1, class: "end-failed" }));
      }
      lanes.append(group);
    }
    y += height + SLOT_GAP;
  }
  const laneBottom = y;

  // Capacity: healthy (serving) and containers over time, and the desired replicas.
  const capTop = laneBottom + 16;
  const maxY = Math.max(sim.max_containers || 0, sim.target_replicas || 0, 1) + 1;
  const cy = (n) => capTop + CAP_HEIGHT - (n / maxY) * CAP_HEIGHT;
  const points = [...(sim.capacity || [])];
  const steps = (key) => {
    let d = "";
    let last = null;
    for (const p of points) {
      if (last === null) d += `M${x(p.at_ms).toFixed(1)},${cy(p[key]).toFixed(1)}`;
      else d += `H${x(p.at_ms).toFixed(1)}V${cy(p[key]).toFixed(1)}`;
      last = p;
    }
    if (last !== null) d += `H${x(end).toFixed(1)}`;
    return d;
  };
  const capacity = el("g", { class: "capacity" });
  // Outages: no task serving while replicas are wanted.
  for (let i = 0; i < points.length; i++) {
    if (points[i].healthy === 0 && (sim.target_replicas || 0) > 0) {
      const to = i + 1 < points.length ? points[i + 1].at_ms : end;
      if (to > points[i].at_ms) {
        capacity.append(el("rect", { class: "outage", x: x(points[i].at_ms), width: x(to) - x(points[i].at_ms), y: capTop, height: CAP_HEIGHT }, undefined));
      }
    }
  }
  capacity.append(el("line", { class: "cap-desired", x1: LEFT, x2: x(end), y1: cy(sim.target_replicas || 0), y2: cy(sim.target_replicas || 0) }));
  capacity.append(el("path", { class: "cap-containers", d: steps("containers"), "data-series": "containers" }));
  capacity.append(el("path", { class: "cap-healthy", d: steps("healthy"), "data-series": "healthy" }));
  capacity.append(el("text", { x: 4, y: capTop + 10, class: "muted-text" }, "capacity"));
  for (let n = 0; n <= maxY; n += Math.max(1, Math.ceil(maxY / 4))) {
    capacity.append(el("text", { x: LEFT - 12, y: cy(n) + 4, class: "muted-text", "text-anchor": "end" }, String(n)));
  }
  const bottom = capTop + CAP_HEIGHT;

  const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${bottom + 40}`, role: "img", "aria-label": `rollout of scenario ${sim.scenario}` });
  const grid = el("g", { class: "grid" });
  for (let t = 0; t <= total; t += step) {
    grid.append(el("line", { x1: x(t), x2: x(t), y1: laneTop - 4, y2: bottom }));
    grid.append(el("text", { x: x(t), y: bottom + 14, "text-anchor": "middle", class: "muted-text" }, seconds(t)));
  }
  svg.append(grid, lanes, capacity);

  // UpdateStatus changes as dashed lines with their state.
  let labelRow = 0;
  for (const change of sim.status_changes || []) {
    const sx = x(change.at_ms);
    const isBad = /rollback|paused/.test(change.state);
    svg.append(el("line", { class: "status-line" + (isBad ? " bad" : ""), x1: sx, x2: sx, y1: 12, y2: bottom, "data-state": change.state }));
    svg.append(el("text", { x: sx + 3, y: 10 + (labelRow++ % 2) * 0, class: "muted-text", style: "font-size:10px" }, change.state));
  }

  // Legend.
  const legend = el("g", { transform: `translate(${LEFT},${bottom + 28})` });
  let lx = 0;
  for (const [cls, phase, label] of [
    ["t-old", "running", "previous spec"],
    ["t-new", "running", "new spec, serving"],
    ["t-new", "starting", "started, not healthy yet"],
    ["t-bad", "running", "failing version"],
    ["t-new", "stopping", "stopping"],
  ]) {
    legend.append(el("rect", { x: lx, y: -9, width: 14, height: 10, class: `${cls} phase-${phase}` }));
    legend.append(el("text", { x: lx + 18, y: 0, class: "muted-text" }, label));
    lx += 24 + label.length * 6;
  }
  legend.append(el("line", { x1: lx, x2: lx + 16, y1: -4, y2: -4, class: "cap-healthy" }));
  legend.append(el("text", { x: lx + 20, y: 0, class: "muted-text" }, "healthy"));
  lx += 70;
  legend.append(el("line", { x1: lx, x2: lx + 16, y1: -4, y2: -4, class: "cap-containers" }));
  legend.append(el("text", { x: lx + 20, y: 0, class: "muted-text" }, "containers"));
  lx += 86;
  legend.append(el("line", { x1: lx, x2: lx + 16, y1: -4, y2: -4, class: "cap-desired" }));
  legend.append(el("text", { x: lx + 20, y: 0, class: "muted-text" }, "desired"));
  svg.append(legend);

  // The time cursor: the future is veiled, a line marks now.
  const future = el("rect", { class: "future", y: laneTop - 6, height: bottom - laneTop + 6 });
  const cursor = el("line", { class: "cursor", y1: laneTop - 6, y2: bottom });
  svg.append(future, cursor);
  const setCursor = (ms) => {
    const cx = x(Math.min(ms, end));
    future.setAttribute("x", cx.toFixed(1));
    future.setAttribute("width", Math.max(0, x(total) - cx).toFixed(1));
    cursor.setAttribute("x1", cx.toFixed(1));
    cursor.setAttribute("x2", cx.toFixed(1));
    cursor.style.display = ms >= end ? "none" : "";
  };
  setCursor(end);
  return { node: svg, setCursor, end };
}

/** What the service looks like at `ms`: status, healthy, containers. */
export function stateAt(sim, ms) {
  let status = null;
  for (const change of sim.status_changes || []) if (change.at_ms <= ms) status = change;
  let cap = null;
  for (const point of sim.capacity || []) if (point.at_ms <= ms) cap = point;
  return { status, cap };
}
