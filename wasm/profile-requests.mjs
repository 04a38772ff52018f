// The page's requests for the book's six-file stack, timed under Node (docs/playground.md):
//   node wasm/profile-requests.mjs target/wasm-node [SHARED_DIR]
// Each request runs 40 times; the median and minimum of the last 20 are printed.
import { createRequire } from "node:module";
import fs from "node:fs";
const require = createRequire(import.meta.url);
const m = require(require("node:path").resolve(process.argv[2], "stackplan_wasm.js"));
const dir = (process.argv[3] || "../shared") + "/examples/book-ch14/numbers";
const names = ["docker-compose.yml","prod.yml","prod-healthcheck.yml","prod-update-config.yml","prod-rollback-config.yml","v5-bad.yml","v3.yml"];
const files = {}; for (const n of names) files[n] = fs.readFileSync(dir + "/" + n, "utf8");
const desired = names.filter((n) => n !== "v3.yml");
const current = names.filter((n) => n !== "v5-bad.yml");
const project = { files, compose_files: desired, working_directory: "/numbers" };
const scen4 = ["healthy","unhealthy","crash-after=8s:1","unhealthy-after=20s"];
const reqs = {
  config: { op: "config", project, output: "yaml", origins: true },
  lint: { op: "lint", project },
  plan4: { op: "plan", project, from_files: current, scenarios: scen4 },
  plan2: { op: "plan", project, from_files: current, scenarios: ["healthy","unhealthy"] },
  plan1: { op: "plan", project, from_files: current, scenarios: ["unhealthy"] },
  plan0: { op: "plan", project, from_files: current, scenarios: [] },
  plan4nofrom: { op: "plan", project, scenarios: scen4 },
  version: { op: "version" },
};
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, r] of Object.entries(reqs)) {
  const s = JSON.stringify({ api_version: 1, ...r });
  let out; const call = [], parse = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now(); out = m.handleJson(s); const t1 = performance.now(); JSON.parse(out); const t2 = performance.now();
    if (i >= 20) { call.push(t1 - t0); parse.push(t2 - t1); }
  }
  const ok = JSON.parse(out).ok;
  console.log(`${k.padEnd(12)} ok=${ok} req ${s.length} B resp ${out.length} B  call median ${med(call).toFixed(2)} ms (min ${Math.min(...call).toFixed(2)})  JSON.parse ${med(parse).toFixed(2)} ms`);
}
