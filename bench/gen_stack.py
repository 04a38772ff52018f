#!/usr/bin/env python3
"""Writes an N-service stack shaped like ../shared/bench/stack-300 (a base file plus the five
override files of the book's workflow: prod, healthcheck, update-config, rollback-config,
version), with a case.json in the conformance corpus's layout, so bench/config_vs_oracle.py
and bench/instructions.py can run it like any other case.

Usage: bench/gen_stack.py N OUT_DIR      (deterministic: the same N gives the same bytes)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

TIERS = ["web", "api", "worker"]


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    width = max(3, len(str(n - 1)))
    name = lambda i: f"svc{i:0{width}d}"  # noqa: E731
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    base = ['x-logging: &logging', '  driver: json-file', '  options:', '    max-size: "10m"',
            '    max-file: "3"', '', 'services:']
    prod, health, update, rollback, v2 = (["services:"] for _ in range(5))
    for i in range(n):
        s, team, tier = name(i), f"team{i % 6}", TIERS[i % 3]
        nets = "[backend, frontend]" if tier == "web" else "[backend]"
        base += [f"  {s}:", f"    image: registry.example.com/{team}/{s}:${{TAG:-1.0.0}}",
                 "    environment:", f"      - SERVICE_NAME={s}",
                 f"      - UPSTREAM=http://{name((i + 1) % n)}:8080", "      - LOG_LEVEL=${LOG_LEVEL:-info}",
                 "    ports:", f'      - "{20000 + i}:8080"', f"    networks: {nets}",
                 "    logging: *logging", "    labels:", f"      com.example.team: {team}",
                 f'      com.example.tier: "{tier}"', ""]
        cpus, mem = ["0.50", "1.0", "0.25"][i % 3], ["256M", "128M", "512M"][i % 3]
        prod += [f"  {s}:", "    deploy:", f"      replicas: {2 + i % 7}", "      resources:",
                 f'        limits: {{cpus: "{cpus}", memory: {mem}}}', "      placement:",
                 "        constraints: [node.role == worker]", ""]
        health += [f"  {s}:", "    healthcheck:", '      test: ["CMD", "/app/healthcheck", "--port", "8080"]',
                   "      interval: 2s", "      timeout: 3s", f"      retries: {2 + i % 2}",
                   "      start_period: 10s", ""]
        update += [f"  {s}:", "    deploy:", "      update_config:", f"        parallelism: {1 + i % 3}",
                   f"        monitor: {30 + 30 * (i % 2)}s", "        failure_action: rollback",
                   "        order: start-first", ""]
        rollback += [f"  {s}:", "    deploy:", "      rollback_config:", "        parallelism: 0",
                     "        failure_action: continue", "        order: start-first", ""]
        v2 += [f"  {s}:", f"    image: registry.example.com/{team}/{s}:2.{i % 10}.0", "    environment:",
               f"      - RELEASE=2.{i % 10}.0", ""]
    base += ["networks:", "  backend: {}", "  frontend: {}"]
    names = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
             "prod-rollback-config.yml", "v2.yml"]
    for file, lines in zip(names, [base, prod, health, update, rollback, v2]):
        (files / file).write_text("\n".join(lines).rstrip("\n") + "\n")
    args = [a for f in names for a in ("-f", f"files/{f}")]
    case = {"category": "benchmark", "args": args, "env": {},
            "description": f"{n} services, base file plus 5 override files (bench/gen_stack.py)", "expect": "ok"}
    (out / "case.json").write_text(json.dumps(case, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
