#!/usr/bin/env python3
"""Counts the instructions one stackplan process executes (valgrind's callgrind: the count
repeats exactly from run to run, unlike wall time on a shared machine), as a user runs it (no
`-p`, so the project-name probe is included).

Usage:
  bench/instructions.py [--stackplan BIN] [--sub config-json,config-yaml,lint,plan] [CASE_DIR ...]
  bench/instructions.py --check bench/instructions-baseline.json    (CI: stack-300, fails over +10 %)
  bench/instructions.py --write bench/instructions-baseline.json    (after a deliberate change)
Default case: ../shared/bench/stack-300. Each case folder has the conformance corpus layout.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STACKPLAN_SHARED", ROOT.parent / "shared"))
STACK_300 = SHARED / "bench/stack-300"
SUBS = {
    "config-json": ["config", "--format", "json"],
    "config-yaml": ["config"],
    "lint": ["lint", "--format", "json"],
    "plan": ["plan"],
}
# Lint exits 1 when it finds errors: a result, not a failure.
OK_CODES = {"lint": (0, 1)}
TOLERANCE = 0.10


def command(binary: str, case: dict, sub: str) -> list[str]:
    extra = case.get("config_args", []) if sub.startswith("config") else []
    return [binary, *case["args"], *SUBS[sub], *extra]


def instructions(binary: str, case_dir: Path, sub: str) -> int:
    case = json.loads((case_dir / "case.json").read_text())
    env = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *command(binary, case, sub)],
                          cwd=case_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = done.stderr.decode(errors="replace")
    if done.returncode not in OK_CODES.get(sub, (0,)):
        sys.exit(f"{sub} failed in {case_dir} (exit {done.returncode}):\n{err}")
    found = re.search(r"Collected : (\d+)", err)
    if not found:
        sys.exit(f"no instruction count from callgrind:\n{err}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stackplan", default=str(ROOT / "target/release/stackplan"))
    parser.add_argument("--sub", default=",".join(SUBS))
    parser.add_argument("--check", type=Path, help="baseline JSON: fail when stack-300 grows over 10 %%")
    parser.add_argument("--write", type=Path, help="write stack-300's counts as the new baseline")
    parser.add_argument("cases", nargs="*", type=Path)
    args = parser.parse_args()
    if not os.access(args.stackplan, os.X_OK):
        sys.exit(f"not executable: {args.stackplan} (build with `cargo build --release`)")
    subs = args.sub.split(",")
    if args.check or args.write:
        if not (STACK_300 / "case.json").is_file():
            print(f"==========  SKIPPED: {STACK_300} not found  ==========", file=sys.stderr)
            return 1 if os.environ.get("STACKPLAN_REQUIRE_SHARED") else 0
        counts = {sub: instructions(args.stackplan, STACK_300, sub) for sub in subs}
        if args.write:
            args.write.write_text(json.dumps({"case": "stack-300", "instructions": counts}, indent=2) + "\n")
            print(f"wrote {args.write}: {counts}")
            return 0
        baseline = json.loads(args.check.read_text())["instructions"]
        failed = False
        for sub, count in counts.items():
            base = baseline.get(sub)
            if base is None:
                continue
            change = count / base - 1
            verdict = "FAIL" if change > TOLERANCE else "ok"
            failed |= change > TOLERANCE
            print(f"stack-300 {sub:12} {count:>14,} instructions, baseline {base:>14,} ({change:+.1%}) {verdict}")
        if failed:
            print(f"FAIL: instructions grew more than {TOLERANCE:.0%} over {args.check}; if that is deliberate, "
                  f"run bench/instructions.py --write {args.check} and say why in the commit")
        return 1 if failed else 0
    print(f"{'case':24} {'sub-command':12} {'instructions':>15}")
    for case_dir in args.cases or [STACK_300]:
        for sub in subs:
            print(f"{case_dir.name:24} {sub:12} {instructions(args.stackplan, case_dir, sub):>15,}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
