#!/usr/bin/env python3
"""Times `stackplan config --format json`, `stackplan config` (YAML), `stackplan lint` and `stackplan plan`
against the oracle (`docker compose config --format json` and `config`, Compose v2.26.1) side by side: the commands
alternate run by run (so machine noise hits all alike), and the medians are compared. Wall clock includes process
start, and no `-p` is passed, as a user runs it (the project name then comes from the files: one more thing to do).
`--instructions` adds callgrind's instruction count of each stackplan command (it repeats exactly).

Usage: bench/config_vs_oracle.py [--runs N] [--stackplan BIN] [--oracle BIN] [--instructions] [--no-plan] [CASE_DIR ...]
Default cases: the book's nine-file ch14 set and the 300-service stack from ../shared.
Each case folder has the conformance corpus layout (case.json: args, config_args, env).
Exits 1 when stackplan is not at least --min-speedup times faster on every case.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STACKPLAN_SHARED", ROOT.parent / "shared"))
DEFAULT_CASES = [
    SHARED / "conformance/compose-config/book-ch14-all-files",
    SHARED / "bench/stack-300",
]


sys.path.insert(0, str(Path(__file__).resolve().parent))
from instructions import OK_CODES, command, instructions  # noqa: E402


def oracle_command(binary: str, case: dict, sub: str) -> list[str]:
    fmt = ["--format", "json"] if sub == "config-json" else []
    return [binary, *case["args"], "config", *fmt, *case.get("config_args", [])]


def time_once(cmd: list[str], cwd: Path, env: dict, ok=(0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"{cmd[0]} failed in {cwd}: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--stackplan", default=str(ROOT / "target/release/stackplan"))
    parser.add_argument("--oracle", default="/tmp/.oracle/docker-compose")
    parser.add_argument("--min-speedup", type=float, default=10.0)
    parser.add_argument("--instructions", action="store_true", help="add callgrind instruction counts")
    parser.add_argument("--no-plan", action="store_true", help="leave `stackplan plan` out")
    parser.add_argument("cases", nargs="*", type=Path)
    args = parser.parse_args()
    cases = args.cases or DEFAULT_CASES
    for tool in (args.stackplan, args.oracle):
        if not os.access(tool, os.X_OK):
            sys.exit(f"not executable: {tool} (build with `cargo build --release`, fetch the oracle with "
                     "../shared/tools/fetch-compose-oracle.sh /tmp/.oracle)")
    subs = ["config-json", "config-yaml", "lint"] + ([] if args.no_plan else ["plan"])
    worst = float("inf")
    print(f"{'case / command':32} {'stackplan median':>17} {'oracle median':>14} {'speedup':>8} {'instructions':>15}"
          f"  (runs: {args.runs} each, interleaved, no -p)")
    for case_dir in cases:
        case = json.loads((case_dir / "case.json").read_text())
        env = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
        ours = {sub: [] for sub in subs}
        theirs = {sub: [] for sub in ("config-json", "config-yaml")}
        for sub in subs:  # warm the page cache
            time_once(command(args.stackplan, case, sub), case_dir, env, OK_CODES.get(sub, (0,)))
        for _ in range(args.runs):
            for sub in subs:
                ours[sub].append(time_once(command(args.stackplan, case, sub), case_dir, env, OK_CODES.get(sub, (0,))))
                if sub in theirs:
                    theirs[sub].append(time_once(oracle_command(args.oracle, case, sub), case_dir, env))
        print(case_dir.name)
        oracle_json = statistics.median(theirs["config-json"])
        for sub in subs:
            a = statistics.median(ours[sub])
            b = statistics.median(theirs[sub]) if sub in theirs else oracle_json
            speedup = b / a
            if sub != "plan":
                worst = min(worst, speedup)
            count = f"{instructions(args.stackplan, case_dir, sub):15,}" if args.instructions else ""
            shown = f"{b * 1000:11.1f} ms" if sub in theirs else f"{'(json)':>14}"
            print(f"  {sub:30} {a * 1000:14.2f} ms {shown} {speedup:7.1f}x {count}", flush=True)
    if worst < args.min_speedup:
        print(f"FAIL: slowest speedup {worst:.1f}x is under {args.min_speedup}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
