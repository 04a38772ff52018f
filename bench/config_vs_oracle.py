#!/usr/bin/env python3
"""Times `stackplan config --format json` and `stackplan lint` against the oracle (`docker compose config`, Compose
v2.26.1) side by side: the two commands alternate run by run (so machine noise hits both
alike), and the medians are compared. Wall clock includes process start, as a user sees it.

Usage: bench/config_vs_oracle.py [--runs N] [--stackplan BIN] [--oracle BIN] [CASE_DIR ...]
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


def command(binary: str, case: dict, sub: str = "config") -> list[str]:
    if sub == "lint":
        return [binary, "-p", "bench", *case["args"], "lint", "--format", "json"]
    return [binary, "-p", "bench", *case["args"], "config", "--format", "json", *case.get("config_args", [])]


def time_lint(binary: str, case: dict, cwd: Path, env: dict) -> float:
    """Lint exits 1 when it finds errors; that is a result, not a failure."""
    start = time.perf_counter()
    done = subprocess.run(command(binary, case, "lint"), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"lint failed in {cwd}: {done.stderr.decode(errors='replace')}")
    return elapsed


def time_once(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed in {cwd}: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--stackplan", default=str(ROOT / "target/release/stackplan"))
    parser.add_argument("--oracle", default="/tmp/.oracle/docker-compose")
    parser.add_argument("--min-speedup", type=float, default=10.0)
    parser.add_argument("cases", nargs="*", type=Path)
    args = parser.parse_args()
    cases = args.cases or DEFAULT_CASES
    for tool in (args.stackplan, args.oracle):
        if not os.access(tool, os.X_OK):
            sys.exit(f"not executable: {tool} (build with `cargo build --release`, fetch the oracle with "
                     "../shared/tools/fetch-compose-oracle.sh /tmp/.oracle)")
    worst = float("inf")
    print(f"{'case':32} {'stackplan median':>17} {'oracle median':>14} {'speedup':>8}  (runs: {args.runs} each, interleaved)")
    for case_dir in cases:
        case = json.loads((case_dir / "case.json").read_text())
        env = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
        ours, theirs, linted = [], [], []
        ours_cmd, theirs_cmd = command(args.stackplan, case), command(args.oracle, case)
        time_once(ours_cmd, case_dir, env)  # warm the page cache for both
        time_once(theirs_cmd, case_dir, env)
        for _ in range(args.runs):
            ours.append(time_once(ours_cmd, case_dir, env))
            theirs.append(time_once(theirs_cmd, case_dir, env))
            linted.append(time_lint(args.stackplan, case, case_dir, env))
        a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(linted)
        speedup, lint_speedup = b / a, b / c
        worst = min(worst, speedup, lint_speedup)
        print(f"{case_dir.name:32} {a * 1000:14.2f} ms {b * 1000:11.1f} ms {speedup:7.1f}x"
              f"   (min {min(ours) * 1000:.2f} / {min(theirs) * 1000:.1f} ms)")
        print(f"{'  stackplan lint':32} {c * 1000:14.2f} ms {'':14} {lint_speedup:7.1f}x")
    if worst < args.min_speedup:
        print(f"FAIL: slowest speedup {worst:.1f}x is under {args.min_speedup}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
