#!/usr/bin/env python3
"""Runs two stackplan binaries over corpus cases and reports every case where their output
(stdout, stderr and exit code) differs: the check that a performance change is byte-identical.

Usage:
  bench/compare_outputs.py OLD_BIN NEW_BIN [CORPUS_DIR ...]
  STACKPLAN_COMPARE_SUBS=config-yaml,lint bench/compare_outputs.py ...   (only these)
Default corpora: ../shared/conformance/compose-config, tests/regressions/compose-config and
../shared/bench. Sub-commands compared: config (YAML), config --format json, lint --format json,
plan (human), plan --format markdown. A JSON plan is not compared: it records the build's
fingerprint, which differs between any two builds.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STACKPLAN_SHARED", ROOT.parent / "shared"))
SUBS = {
    "config-yaml": ["config"],
    "config-json": ["config", "--format", "json"],
    "lint": ["lint", "--format", "json"],
    "plan": ["plan"],
    "plan-markdown": ["plan", "--format", "markdown"],
}


def run(binary: str, case_dir: Path, case: dict, sub: str) -> tuple[int, bytes, bytes]:
    extra = case.get("config_args", []) if sub.startswith("config") else []
    env = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
    done = subprocess.run([binary, *case["args"], *SUBS[sub], *extra], cwd=case_dir, env=env,
                          capture_output=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def main() -> int:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    corpora = [Path(p) for p in sys.argv[3:]] or [
        SHARED / "conformance/compose-config", ROOT / "tests/regressions/compose-config", SHARED / "bench"]
    compared = differing = 0
    for corpus in corpora:
        for case_dir in sorted(p for p in corpus.iterdir() if (p / "case.json").is_file()):
            case = json.loads((case_dir / "case.json").read_text())
            for sub in os.environ.get("STACKPLAN_COMPARE_SUBS", ",".join(SUBS)).split(","):
                compared += 1
                if run(old, case_dir, case, sub) != run(new, case_dir, case, sub):
                    differing += 1
                    print(f"DIFFERS: {case_dir} {sub}", flush=True)
    print(f"{compared} runs compared, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
