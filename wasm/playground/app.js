// The playground: state, one recompute per keystroke through the core's one API, rendering.
import * as api from "./api.js";
import { examples } from "./examples.js";
import { Editor } from "./editor.js";
import { encodeState, decodeState } from "./state.js";
import { drawSimulation, stateAt, seconds } from "./rollout.js";
import { FIELDS, OVERRIDE_FILE, overrideYaml, shown, metrics } from "./tuning.js";

const $ = (selector) => document.querySelector(selector);
const ENV_FILE = ".env";

// ---- examples -------------------------------------------------------------------------------
const QUOTES_BASE = ["compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml", "prod-rollback-config.yml"];
const PRESETS = [
  { id: "quotes-1", label: "quotes: release 1, first deploy", desired: "release-1.yml", current: null },
  { id: "quotes-1-2", label: "quotes: release 1 → 2", desired: "release-2.yml", current: "release-1.yml" },
  { id: "quotes-2-3", label: "quotes: release 2 → 3-bad (rolls back)", desired: "release-3-bad.yml", current: "release-2.yml" },
];
const FIRST_VISIT = "quotes-2-3";

function presetState(id) {
  const preset = PRESETS.find((p) => p.id === id);
  const texts = examples.quotes;
  const order = [...QUOTES_BASE, "release-1.yml", "release-2.yml", "release-3-bad.yml"];
  return {
    v: 1,
    dir: "quotes",
    env: "",
    files: order.map((name) => ({
      name,
      text: texts[name],
      f: QUOTES_BASE.includes(name) || name === preset.desired,
      deployed: preset.current !== null && (QUOTES_BASE.includes(name) || name === preset.current),
    })),
    transition: preset.current !== null,
    open: preset.desired,
    service: "quotes-api",
    scenario: "unhealthy",
    crashAfter: "8s:1",
    unhealthyAfter: "20s",
    tuning: {},
    exact: false,
  };
}

// ---- state ----------------------------------------------------------------------------------
let state = presetState(FIRST_VISIT);
let last = null; // the last computation (always kept, so an error never blanks the page)
let good = null; // the last computation whose plan succeeded
let view = null; // the drawn simulation {node, setCursor, end}
let cursorMs = null; // null: at the end
let playing = null;
const timings = [];
const editor = new Editor($("#editor"), (text) => {
  const file = openFile();
  if (!file || file.generated) return;
  if (file.env) state.env = text;
  else file.text = text;
  changed();
});

function openFile() {
  if (state.open === ENV_FILE) return { name: ENV_FILE, text: state.env, env: true };
  if (state.open === OVERRIDE_FILE) return { name: OVERRIDE_FILE, text: overrideYaml(state.tuning), generated: true };
  return state.files.find((f) => f.name === state.open) || null;
}

// The scenarios one recompute asks for: healthy and unhealthy (the tuning panel compares
// both), plus the picked one when it is another. Each simulation is independent of the others,
// so asking for fewer changes no number; it halves the plan's work and its response (four
// scenarios: 83 KB of JSON for the book's stack, two: 34 KB).
function scenarioNames() {
  const names = ["healthy", "unhealthy"];
  if (state.scenario === "crash-after") names.push(`crash-after=${state.crashAfter || "8s"}`);
  if (state.scenario === "unhealthy-after") names.push(`unhealthy-after=${state.unhealthyAfter || "20s"}`);
  return names;
}
/** The position of the picked scenario's simulation in a computation's plan. */
function scenarioIndex(computation) {
  return computation.scenarios.findIndex((name) => name.split("=")[0] === state.scenario);
}

// ---- computing: everything through api.call (handleJson) --------------------------------
const memo = new Map();
function memoCall(request) {
  const key = JSON.stringify(request);
  if (memo.has(key)) return memo.get(key);
  const response = api.call(request);
  if (memo.size > 16) memo.clear();
  memo.set(key, response);
  return response;
}

function compute() {
  const files = {};
  for (const f of state.files) files[f.name] = f.text;
  if (state.env) files[ENV_FILE] = state.env;
  const desired = state.files.filter((f) => f.f).map((f) => f.name);
  const current = state.transition ? state.files.filter((f) => f.deployed).map((f) => f.name) : [];
  const override = overrideYaml(state.tuning);
  const tunedFiles = override ? { ...files, [OVERRIDE_FILE]: override } : files;
  const tunedDesired = override ? [...desired, OVERRIDE_FILE] : desired;
  const project = api.project(tunedFiles, tunedDesired, state.dir);
  const scenarios = scenarioNames();
  const config = api.call({ op: "config", project, output: "yaml", origins: !state.exact });
  const lint = api.call({ op: "lint", project });
  const plan = api.call({ op: "plan", project, from_files: current, scenarios });
  const original = override
    ? memoCall({ op: "plan", project: api.project(files, desired, state.dir), from_files: current, scenarios })
    : plan;
  return { config, lint, plan, original, override, scenarios, desired, current };
}

let lastSplit = null;
function recompute() {
  const t0 = performance.now();
  last = compute();
  if (last.plan.ok) good = last;
  const t1 = performance.now();
  render();
  const ms = performance.now() - t0;
  lastSplit = { api: t1 - t0, render: ms - (t1 - t0) };
  timings.push(ms);
  if (timings.length > 200) timings.shift();
  $("#status").textContent = `computed in ${ms.toFixed(1)} ms`;
  if (window.playground.firstResultMs === null) window.playground.firstResultMs = performance.now();
  return ms;
}

let shareTimer = null;
function changed() {
  recompute();
  clearTimeout(shareTimer);
  shareTimer = setTimeout(writeFragment, 250);
}

async function writeFragment() {
  const fragment = await encodeState(state);
  history.replaceState(null, "", "#" + fragment);
  return location.href;
}

// ---- findings -------------------------------------------------------------------------------
function findings() {
  const out = [];
  const seen = new Set();
  const add = (item) => {
    const key = `${item.source}|${item.rule || ""}|${item.message}|${item.file || ""}:${item.line || ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(item);
  };
  const fromError = (response, source) => {
    if (response.ok) return;
    const e = response.error;
    add({
      source,
      severity: "error",
      rule: e.kind,
      message: e.message,
      file: e.location?.file ?? e.file ?? null,
      line: e.location?.line ?? null,
      column: e.location?.column ?? null,
      missing: e.kind === "io" && e.file ? e.file : null,
    });
  };
  const fromWarnings = (warnings, source) => {
    for (const w of warnings || []) {
      add({ source, severity: "warning", rule: "compose", message: w.message, file: w.location?.file ?? null, line: w.location?.line ?? null, column: w.location?.column ?? null });
    }
  };
  const { config, lint, plan } = last;
  fromError(config, "config");
  fromError(lint, "lint");
  fromError(plan, "plan");
  if (config.ok) fromWarnings(config.result.warnings, "config");
  if (lint.ok) {
    for (const d of lint.result.report.diagnostics) {
      add({ source: "lint", severity: d.severity, rule: d.rule, name: d.name, message: d.message, help: d.help, file: d.location?.file ?? null, line: d.location?.line ?? null, column: d.location?.column ?? null });
    }
  }
  if (plan.ok) {
    for (const service of plan.result.plan_file.plan.services) {
      for (const w of service.warnings || []) add({ source: "plan", severity: "info", rule: "plan", message: `${service.name}: ${w}` });
    }
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

function renderFindings(list) {
  const ul = $("#findings");
  ul.replaceChildren();
  const lintCount = list.filter((f) => f.source === "lint").length;
  $("#findings-count").textContent = `${list.length} (${lintCount} lint)`;
  if (!list.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "no problems found";
    ul.append(li);
  }
  for (const f of list) {
    const li = document.createElement("li");
    li.className = f.severity;
    li.tabIndex = 0;
    Object.assign(li.dataset, { severity: f.severity, rule: f.rule || "", file: f.file || "", line: f.line ?? "" });
    const rule = document.createElement("span");
    rule.className = "rule";
    rule.textContent = (f.rule || "") + (f.name ? ` ${f.name}` : "") + " ";
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = f.file ? ` ${f.file}${f.line ? ":" + f.line + (f.column ? ":" + f.column : "") : ""}` : "";
    li.append(rule, document.createTextNode(f.message), where);
    if (f.help) li.title = f.help;
    if (f.missing && !state.files.some((x) => x.name === f.missing)) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `add ${f.missing}`;
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        state.files.push({ name: f.missing, text: "", f: false, deployed: false });
        state.open = f.missing;
        changed();
      });
      li.append(" ", button);
    }
    const go = () => f.file && jump(f.file, f.line, f.column);
    li.addEventListener("click", go);
    li.addEventListener("keydown", (event) => {
      if (event.key === "Enter") go();
    });
    ul.append(li);
  }
}

function jump(file, line, column) {
  const name = knownName(file);
  if (!name) return;
  if (state.open !== name) {
    state.open = name;
    renderFiles();
    renderEditor();
  }
  if (line) editor.jumpTo(line, column);
}

/** A location's file as a file-list name (locations use the request's keys). */
function knownName(file) {
  if (!file) return null;
  const bare = file.replace(/^\.\//, "").replace(new RegExp("^/" + state.dir + "/"), "");
  if (bare === ENV_FILE || bare === OVERRIDE_FILE) return bare;
  return state.files.some((f) => f.name === bare) ? bare : null;
}

// ---- files and editor -----------------------------------------------------------------------
function marksFor(name, list) {
  return list
    .filter((f) => f.line && knownName(f.file) === name)
    .map((f) => ({ line: f.line, severity: f.severity, message: `${f.rule ? f.rule + ": " : ""}${f.message}` }));
}

let currentFindings = [];
const renderTimes = {};
function render() {
  const timed = (name, f) => {
    const t0 = performance.now();
    f();
    renderTimes[name] = performance.now() - t0;
  };
  timed("findings", () => {
    currentFindings = findings();
    renderFindings(currentFindings);
  });
  timed("files", renderFiles);
  timed("editor", renderEditor);
  timed("config", renderConfig);
  timed("rollout", renderRollout);
  timed("tuning", renderTuning);
}

function renderFiles() {
  const tbody = $("#files tbody");
  tbody.replaceChildren();
  const rows = [{ name: ENV_FILE, env: true }, ...state.files];
  if (last?.override) rows.push({ name: OVERRIDE_FILE, generated: true, f: true });
  rows.forEach((file, index) => {
    const tr = document.createElement("tr");
    tr.dataset.file = file.name;
    if (file.name === state.open) tr.className = "open";
    const nameCell = document.createElement("td");
    const input = document.createElement("input");
    input.className = "name";
    input.value = file.name;
    input.setAttribute("aria-label", `file name ${file.name}`);
    input.readOnly = !!(file.env || file.generated);
    input.addEventListener("focus", () => {
      if (state.open !== file.name) {
        state.open = file.name;
        for (const row of tbody.children) row.classList.toggle("open", row.dataset.file === file.name);
        renderEditor();
      }
    });
    input.addEventListener("change", () => rename(file, input.value.trim()));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") input.blur();
    });
    nameCell.append(input);
    const marks = currentFindings.filter((f) => knownName(f.file) === file.name);
    if (marks.length) {
      const badge = document.createElement("span");
      const worst = ["error", "warning", "info"].find((s) => marks.some((m) => m.severity === s));
      badge.className = `badge ${worst}`;
      badge.textContent = String(marks.length);
      badge.title = marks.map((m) => `${m.line ? m.line + ": " : ""}${m.message}`).join("\n");
      nameCell.append(badge);
    }
    if (file.generated) nameCell.append(Object.assign(document.createElement("span"), { className: "muted small", textContent: " generated" }));
    const box = (key, title, disabled) => {
      const td = document.createElement("td");
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.checked = !!file[key];
      cb.disabled = disabled;
      cb.title = title;
      cb.setAttribute("aria-label", `${title}: ${file.name}`);
      cb.addEventListener("change", () => {
        file[key] = cb.checked;
        changed();
      });
      td.append(cb);
      return td;
    };
    const special = file.env || file.generated;
    tr.append(nameCell, box("f", "in the -f set", !!special), box("deployed", "in the deployed set", !!special || !state.transition));
    const ops = document.createElement("td");
    ops.className = "ops";
    if (!special) {
      const i = index - 1;
      const button = (label, title, action, disabled) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = label;
        b.title = title;
        b.setAttribute("aria-label", `${title}: ${file.name}`);
        b.disabled = !!disabled;
        b.addEventListener("click", action);
        ops.append(b);
      };
      button("↑", "move up", () => move(i, -1), i === 0);
      button("↓", "move down", () => move(i, 1), i === state.files.length - 1);
      button("✕", "remove", () => remove(i));
    }
    tr.append(ops);
    tbody.append(tr);
  });
  $("#transition").checked = !!state.transition;
}

function rename(file, name) {
  if (!name || name === file.name) return renderFiles();
  if (name === ENV_FILE || name === OVERRIDE_FILE || state.files.some((f) => f.name === name)) {
    $("#status").textContent = `a file named ${name} exists`;
    return renderFiles();
  }
  if (state.open === file.name) state.open = name;
  file.name = name;
  changed();
}

function move(index, delta) {
  const to = index + delta;
  if (to < 0 || to >= state.files.length) return;
  const [file] = state.files.splice(index, 1);
  state.files.splice(to, 0, file);
  changed();
}

function remove(index) {
  const [file] = state.files.splice(index, 1);
  if (state.open === file.name) state.open = state.files[0]?.name ?? ENV_FILE;
  changed();
}

function addFile() {
  let n = 1;
  while (state.files.some((f) => f.name === `override-${n}.yml`)) n++;
  const name = `override-${n}.yml`;
  state.files.push({ name, text: "services:\n", f: true, deployed: false });
  state.open = name;
  changed();
  document.querySelector(`#files tr[data-file="${name}"] input.name`)?.select();
}

function renderEditor() {
  const file = openFile();
  $("#editor-name").textContent = file ? file.name + (file.generated ? " (generated by the tuning panel, read-only)" : "") : "";
  editor.setText(file ? file.text : "", !file || file.generated);
  const marks = file ? marksFor(file.name, currentFindings) : [];
  editor.setMarks(marks);
  const errors = marks.filter((m) => m.severity === "error");
  $("#editor-error").textContent = errors.length ? `line ${errors[0].line}: ${errors[0].message}` : "";
}

// ---- merged config --------------------------------------------------------------------------
function renderConfig() {
  const pre = $("#config");
  const config = last.config;
  $("#exact").checked = !!state.exact;
  pre.replaceChildren();
  if (!config.ok) {
    pre.textContent = `error: ${config.error.message}`;
    pre.dataset.ok = "false";
    return;
  }
  pre.dataset.ok = "true";
  if (state.exact) {
    pre.textContent = config.result.output;
    return;
  }
  const fragment = document.createDocumentFragment();
  const lines = config.result.output.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const match = /^(.*?) # ([^\s#]+):(\d+)$/.exec(line);
    if (match) {
      const span = document.createElement("span");
      span.textContent = match[1];
      span.dataset.origin = `${match[2]}:${match[3]}`;
      span.title = `set in ${match[2]}, line ${match[3]} (click to open)`;
      span.addEventListener("click", () => jump(match[2], Number(match[3])));
      fragment.append(span, "\n");
    } else {
      fragment.append(line + "\n");
    }
  }
  pre.append(fragment);
}

// ---- rollout --------------------------------------------------------------------------------
/** The services of a plan response ([] when it failed). */
function planServices(response) {
  return response?.ok ? response.result.plan_file.plan.services : [];
}

function selectedService(response) {
  const services = planServices(response);
  return services.find((s) => s.name === state.service) || services.find((s) => s.simulations?.length) || services[0] || null;
}

function renderRollout() {
  const stale = !last.plan.ok;
  const computation = stale ? good : last;
  const servicesBox = $("#services");
  servicesBox.replaceChildren();
  const outcome = $("#outcome");
  $("#chart").style.opacity = stale ? 0.45 : 1;
  if (!computation) {
    outcome.textContent = `no plan: ${last.plan.error.message}`;
    $("#chart").replaceChildren();
    return;
  }
  const service = selectedService(computation.plan);
  for (const s of planServices(computation.plan)) {
    const b = document.createElement("button");
    b.type = "button";
    b.role = "tab";
    b.dataset.service = s.name;
    b.setAttribute("aria-selected", String(s === service));
    b.textContent = `${s.name} · ${s.action}`;
    b.addEventListener("click", () => {
      state.service = s.name;
      cursorMs = null;
      changed();
    });
    servicesBox.append(b);
  }
  for (const radio of document.querySelectorAll('input[name="scenario"]')) radio.checked = radio.value === state.scenario;
  $("#crash-after").value = state.crashAfter;
  $("#unhealthy-after").value = state.unhealthyAfter;
  const index = scenarioIndex(computation);
  const sim = index < 0 ? undefined : service?.simulations?.[index];
  $("#action").textContent = service
    ? `${service.name}: ${service.action}` + (service.changes?.length ? ` (${service.changes.map((c) => `${c.kind} ${c.path}`).join(", ")})` : "")
    : "no services";
  const tbody = $("#status-changes tbody");
  tbody.replaceChildren();
  if (!sim) {
    outcome.textContent = stale ? `showing the last good plan; now: ${last.plan.error.message}` : "no rollout for this service (nothing replaces its tasks)";
    $("#chart").replaceChildren();
    view = null;
    $("#cursor-text").textContent = "";
    return;
  }
  const bad = ["rolled_back", "paused", "rollback_paused"].includes(sim.outcome) || sim.detection;
  outcome.replaceChildren();
  const strong = document.createElement("span");
  strong.className = bad ? "bad" : "good";
  strong.textContent = sim.outcome.replace(/_/g, " ");
  strong.dataset.outcome = sim.outcome;
  outcome.append(
    `${sim.scenario}: `,
    strong,
    ` · finished ${seconds(sim.finished_at_ms)} · healthy min ${sim.min_healthy}/${sim.target_replicas} · containers max ${sim.max_containers}` +
      (sim.detection ? ` · failure detected at ${seconds(sim.detection.at_ms)} (${sim.detection.task})` : "") +
      (stale ? ` · showing the last good plan; now: ${last.plan.error.message}` : ""),
  );
  view = drawSimulation(sim);
  view.sim = sim;
  $("#chart").replaceChildren(view.node);
  for (const change of sim.status_changes) {
    const tr = document.createElement("tr");
    tr.dataset.state = change.state;
    tr.dataset.at = change.at_ms;
    for (const text of [seconds(change.at_ms), change.state, change.message]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    tbody.append(tr);
  }
  const slider = $("#cursor");
  slider.max = String(view.end);
  slider.step = String(Math.max(50, Math.round(view.end / 400 / 50) * 50));
  setCursor(cursorMs ?? view.end);
}

function setCursor(ms) {
  if (!view) return;
  const at = Math.max(0, Math.min(ms, view.end));
  cursorMs = at >= view.end ? null : at;
  view.setCursor(at);
  $("#cursor").value = String(at);
  const sim = view.sim;
  if (!sim) return;
  const { status, cap } = stateAt(sim, at);
  $("#cursor-text").textContent = `t = ${seconds(at)} · ${status ? status.state : "—"} · healthy ${cap ? cap.healthy : "?"}/${sim.target_replicas} · containers ${cap ? cap.containers : "?"}`;
  const rows = [...document.querySelectorAll("#status-changes tbody tr")];
  let current = null;
  for (const row of rows) {
    const future = Number(row.dataset.at) > at;
    row.classList.toggle("future", future);
    if (!future) current = row;
    row.classList.remove("current");
  }
  current?.classList.add("current");
}

function togglePlay() {
  if (playing) {
    cancelAnimationFrame(playing.frame);
    playing = null;
    $("#play").textContent = "▶ Replay";
    return;
  }
  if (!view) return;
  let at = cursorMs === null ? 0 : cursorMs;
  let before = performance.now();
  const duration = 8000; // the whole rollout replays in 8 s
  $("#play").textContent = "❚❚ Pause";
  const frame = (now) => {
    at += ((now - before) / duration) * view.end;
    before = now;
    setCursor(at);
    if (at >= view.end) {
      playing = null;
      $("#play").textContent = "▶ Replay";
      return;
    }
    playing.frame = requestAnimationFrame(frame);
  };
  playing = { frame: requestAnimationFrame(frame) };
}

// ---- tuning ---------------------------------------------------------------------------------
let tuningFor = { name: null, spec: {} };
function renderTuning() {
  const form = $("#tuning");
  const original = selectedService(last.original?.ok ? last.original : good?.original);
  const tuned = selectedService(last.plan.ok ? last.plan : good?.plan);
  const name = original?.name ?? state.service;
  $("#tuning-service").textContent = name ? `for ${name} (writes ${OVERRIDE_FILE})` : "";
  const spec = original?.effective?.spec ?? {};
  const values = state.tuning[name] || {};
  const active = document.activeElement;
  const focusedKey = form.contains(active) ? active.dataset.key : null;
  // The controls are built once per service; a recompute only updates their values (the
  // handlers read the service and its original spec from `tuningFor`).
  tuningFor = { name, spec };
  if (form.dataset.service !== (name || "") || !form.childElementCount) {
    form.replaceChildren();
    form.dataset.service = name || "";
    for (const field of FIELDS) {
      const label = document.createElement("label");
      label.dataset.key = field.key;
      const caption = `${field.group === "healthcheck" ? "healthcheck." : ""}${field.key}`;
      label.append(caption);
      let input;
      if (field.kind === "choice") {
        input = document.createElement("select");
        for (const option of field.options) input.append(new Option(option, option));
      } else {
        input = document.createElement("input");
        if (field.kind === "int") Object.assign(input, { type: "number", min: field.key === "retries" ? 0 : 0, step: 1 });
        if (field.kind === "float") Object.assign(input, { type: "number", min: 0, max: 1, step: 0.05 });
        if (field.kind === "duration") input.placeholder = "e.g. 5s";
      }
      input.name = field.key;
      input.dataset.key = field.key;
      input.setAttribute("aria-label", caption);
      const onChange = () => {
        const { name, spec } = tuningFor;
        const tuning = { ...(state.tuning[name] || {}) };
        const originalText = shown(field, spec);
        const text = input.value.trim();
        if (text === "" || text === originalText) delete tuning[field.key];
        else tuning[field.key] = text;
        state.tuning = { ...state.tuning, [name]: tuning };
        if (!Object.keys(tuning).length) delete state.tuning[name];
        changed();
      };
      input.addEventListener(field.kind === "choice" ? "change" : "input", onChange);
      label.append(input);
      form.append(label);
    }
  }
  for (const label of form.querySelectorAll("label")) {
    const field = FIELDS.find((f) => f.key === label.dataset.key);
    const input = label.querySelector("input, select");
    const text = values[field.key] ?? shown(field, spec);
    if (field.key !== focusedKey && input.value !== text) input.value = text;
    label.classList.toggle("changed", values[field.key] !== undefined);
    label.title = `original: ${shown(field, spec) || "not set"}`;
  }
  const before = metrics(original, last.scenarios);
  const after = metrics(tuned, last.scenarios);
  const tbody = $("#metrics tbody");
  tbody.replaceChildren();
  const ratio = (m, key) => (m[key] === null || m[key] === undefined ? "–" : `${m[key]}/${m.target}`);
  const rows = [
    ["total", "total rollout time (healthy)", (m) => seconds(m.total) + (m.healthyOutcome && m.healthyOutcome !== "completed" ? ` (${m.healthyOutcome})` : ""), "lower"],
    ["minHealthy", "minimum healthy capacity (healthy)", (m) => ratio(m, "minHealthy"), "higher"],
    ["detect", "time to detect a bad release (unhealthy)", (m) => (m.detect === null ? "not detected" : seconds(m.detect)), "lower"],
    ["badOutcome", "bad release ends as", (m) => (m.badOutcome || "–").replace(/_/g, " "), null],
    ["badMinHealthy", "minimum healthy capacity (unhealthy)", (m) => ratio(m, "badMinHealthy"), "higher"],
    ["maxContainers", "most containers at once (healthy)", (m) => String(m.maxContainers ?? "–"), "lower"],
  ];
  for (const [key, label, format, better] of rows) {
    const tr = document.createElement("tr");
    tr.dataset.metric = key;
    const th = document.createElement("th");
    th.textContent = label;
    const a = document.createElement("td");
    a.className = "original";
    a.textContent = format(before);
    const b = document.createElement("td");
    b.className = "tuned";
    b.textContent = format(after);
    const x = before[key];
    const y = after[key];
    a.dataset.value = JSON.stringify(x ?? null);
    b.dataset.value = JSON.stringify(y ?? null);
    if (better && typeof x === "number" && typeof y === "number" && x !== y) {
      b.classList.add((better === "lower" ? y < x : y > x) ? "better" : "worse");
    }
    if (key === "detect" && better && x !== y && (x === null || y === null)) b.classList.add(y === null ? "worse" : "better");
    tr.append(th, a, b);
    tbody.append(tr);
  }
  $("#override").textContent = last.override || "";
  $("#copy-override").disabled = !last.override;
  $("#reset-tuning").disabled = !last.override;
}

// ---- wiring ---------------------------------------------------------------------------------
function loadPreset(id) {
  state = presetState(id);
  cursorMs = null;
  memo.clear();
  changed();
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    $("#status").textContent = `${what} copied`;
  } catch {
    $("#status").textContent = `${what}: ${text.length > 200 ? "select and copy it from the address bar" : text}`;
  }
}

function wire() {
  const select = $("#example");
  for (const preset of PRESETS) select.append(new Option(preset.label, preset.id));
  select.addEventListener("change", () => {
    if (select.value) loadPreset(select.value);
    select.value = "";
  });
  $("#add-file").addEventListener("click", addFile);
  $("#transition").addEventListener("change", (event) => {
    state.transition = event.target.checked;
    changed();
  });
  for (const radio of document.querySelectorAll('input[name="scenario"]')) {
    radio.addEventListener("change", () => {
      state.scenario = radio.value;
      cursorMs = null;
      changed();
    });
  }
  $("#crash-after").addEventListener("input", (event) => {
    state.crashAfter = event.target.value.trim();
    changed();
  });
  $("#unhealthy-after").addEventListener("input", (event) => {
    state.unhealthyAfter = event.target.value.trim();
    changed();
  });
  $("#exact").addEventListener("change", (event) => {
    state.exact = event.target.checked;
    changed();
  });
  $("#cursor").addEventListener("input", (event) => {
    if (playing) togglePlay();
    setCursor(Number(event.target.value));
  });
  $("#cursor").addEventListener("keydown", (event) => {
    if (event.key === " ") {
      event.preventDefault();
      togglePlay();
    }
  });
  $("#play").addEventListener("click", togglePlay);
  $("#share").addEventListener("click", async () => copy(await writeFragment(), "share link"));
  $("#copy-override").addEventListener("click", () => copy(overrideYaml(state.tuning), "override"));
  $("#reset-tuning").addEventListener("click", () => {
    state.tuning = {};
    changed();
  });
  $("#theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    document.documentElement.dataset.theme = dark ? "light" : "dark";
    try {
      localStorage.setItem("stackplan-theme", document.documentElement.dataset.theme);
    } catch {
      /* private mode: the choice lasts for this page */
    }
  });
  try {
    const theme = localStorage.getItem("stackplan-theme");
    if (theme) document.documentElement.dataset.theme = theme;
  } catch {
    /* no storage */
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "F8") {
      event.preventDefault();
      const located = currentFindings.filter((f) => f.file && f.line);
      if (!located.length) return;
      const open = openFile()?.name;
      const at = located.findIndex((f) => knownName(f.file) === open);
      const next = located[(at + 1) % located.length];
      jump(next.file, next.line, next.column);
    } else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      const index = state.files.findIndex((f) => f.name === state.open);
      if (index >= 0) {
        event.preventDefault();
        move(index, event.key === "ArrowUp" ? -1 : 1);
        editor.textarea.focus();
      }
    } else if (event.ctrlKey && event.shiftKey && (event.key === "S" || event.key === "s")) {
      event.preventDefault();
      $("#share").click();
    }
  });
  window.addEventListener("hashchange", async () => {
    const decoded = await decodeState(location.hash.slice(1));
    if (decoded && JSON.stringify(decoded) !== JSON.stringify(state)) {
      state = decoded;
      cursorMs = null;
      recompute();
    }
  });
}

// For the browser tests and the curious: the same state and recompute the page uses.
window.playground = {
  firstResultMs: null,
  timings,
  get state() {
    return structuredClone(state);
  },
  setState(next) {
    state = structuredClone(next);
    cursorMs = null;
    memo.clear();
    changed();
  },
  recompute,
  /** Median of n full recomputes (all API calls and the rendering), in ms. */
  bench(n) {
    const runs = [];
    const api = [];
    const parts = {};
    for (let i = 0; i < n; i++) {
      memo.clear();
      runs.push(recompute());
      api.push(lastSplit.api);
      for (const [part, ms] of Object.entries(renderTimes)) (parts[part] ||= []).push(ms);
    }
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const round = (ms) => Math.round(ms * 100) / 100;
    const renderMedian = Object.fromEntries(Object.entries(parts).map(([part, list]) => [part, round(median(list))]));
    return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), apiMedian: median(api), apiMin: Math.min(...api), renderMedian, lastRender: { ...renderTimes }, runs };
  },
  shareLink: writeFragment,
  setCursor,
  ready: null,
};

// Where the first visit's time goes, in ms since the navigation started (the browser test
// prints it): `modules` when this module runs (HTML, CSS and every ES module fetched),
// `wasm` when the module is compiled and instantiated, `state` when the fragment is decoded,
// `firstResult` when the first recompute has rendered.
const loadTimes = { modules: performance.now() };
window.playground.loadTimes = loadTimes;

window.playground.ready = (async () => {
  wire();
  try {
    await api.load();
  } catch (error) {
    $("#status").textContent = `could not load the WebAssembly module: ${error}`;
    throw error;
  }
  loadTimes.wasm = performance.now();
  const decoded = await decodeState(location.hash.slice(1));
  if (decoded) state = decoded;
  loadTimes.state = performance.now();
  recompute();
  loadTimes.firstResult = window.playground.firstResultMs;
  loadTimes.firstRecompute = timings.at(-1);
  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    navigator.serviceWorker.register("sw.js").catch(() => {});
  }
  return true;
})();
