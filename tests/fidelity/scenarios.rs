//! The scenarios of the fidelity run: §8 of `swarm-rollout-semantics.md` on the local
//! single-node Swarm, plus the book's sequence. Each is a list of steps; the measured ones are
//! compared with `stackplan plan` on the same files.

/// What a step does to the stack.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// `docker stack deploy --resolve-image never -c FILE...`
    Deploy(&'static [&'static str]),
    /// `docker service rollback --detach <service>`
    Rollback,
}

/// When a step is over.
#[derive(Clone, Copy, Debug)]
pub enum End {
    /// Every replica RUNNING with desired RUNNING (setup steps).
    Converged,
    /// Wait this long (setup of a service that never converges).
    Sleep(u64),
    /// This UpdateStatus state was written (an `updatestate.new` event), then `tail` more ms.
    State(&'static str, u64),
    /// The update is expected to hang: observe this long after `updating`.
    Hang(u64),
}

#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub name: &'static str,
    pub action: Action,
    pub end: End,
    /// Measured steps only: the planner's `--from-file` list (what runs before this step) and
    /// `--scenario` (how the release behaves). `None`: a setup step, not compared.
    pub plan: Option<PlanArgs>,
}

#[derive(Clone, Copy, Debug)]
pub struct PlanArgs {
    /// The files deployed before this step (`--from-file`, in order).
    pub from: &'static [&'static str],
    /// The files of this step (`-f`); for a rollback, the files being restored.
    pub to: &'static [&'static str],
    /// `--scenario`.
    pub scenario: &'static str,
    /// A manual rollback (`docker service rollback`): the planner's `plan` has no such entry
    /// point, so the report simulates it with the core's `Operation::Rollback` on the
    /// effective specs of `from` (running now) and `to` (restored).
    pub rollback: bool,
}

pub struct Scenario {
    pub key: &'static str,
    /// §8 name (S1 … S16, book).
    pub section: &'static str,
    /// Fixture folder under `tests/swarm/`.
    pub dir: &'static str,
    pub title: &'static str,
    pub steps: &'static [Step],
}

const fn setup(name: &'static str, files: &'static [&'static str], end: End) -> Step {
    Step {
        name,
        action: Action::Deploy(files),
        end,
        plan: None,
    }
}

const fn update(
    name: &'static str,
    from: &'static [&'static str],
    to: &'static [&'static str],
    scenario: &'static str,
    end: End,
) -> Step {
    Step {
        name,
        action: Action::Deploy(to),
        end,
        plan: Some(PlanArgs {
            from,
            to,
            scenario,
            rollback: false,
        }),
    }
}

const V1: &[&str] = &["compose.yml", "v1.yml"];
const V2: &[&str] = &["compose.yml", "v2.yml"];

/// The usual shape: deploy v1, wait until it converged, deploy v2 and measure.
const fn simple(scenario: &'static str, end: End) -> [Step; 2] {
    [
        setup("v1", V1, End::Converged),
        update("v1 -> v2", V1, V2, scenario, end),
    ]
}

const BOOK_V1: &[&str] = &["docker-compose.yml", "prod.yml"];
const BOOK_V2: &[&str] = &[
    "docker-compose.yml",
    "prod.yml",
    "prod-healthcheck.yml",
    "v2.yml",
];
const BOOK_V3: &[&str] = &[
    "docker-compose.yml",
    "prod.yml",
    "prod-healthcheck.yml",
    "prod-update-config.yml",
    "v3.yml",
];
const BOOK_V5_BAD: &[&str] = &[
    "docker-compose.yml",
    "prod.yml",
    "prod-healthcheck.yml",
    "prod-update-config.yml",
    "v5-bad.yml",
];
const BOOK_V5: &[&str] = &["docker-compose.yml", "prod-full.yml", "v5.yml"];

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        key: "s1",
        section: "S1",
        dir: "compose/s1-start-first",
        title: "healthy start-first update (4 replicas, parallelism 2, rollback, monitor 8s, HC-A)",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s2",
        section: "S2",
        dir: "compose/s2-rollback",
        title: "unhealthy release, start-first, automatic rollback (4 replicas, parallelism 2, \
                HC-B, the book's rollback_config)",
        steps: &simple("unhealthy", End::State("rollback_completed", 2_000)),
    },
    Scenario {
        key: "s3",
        section: "S3",
        dir: "fidelity/s3-crash-after",
        title: "release crashes 8 s after start: deferred failure evaluation, rollback \
                (4 replicas, parallelism 2, start-first, monitor 20s)",
        steps: &simple("crash-after=8s:1", End::State("rollback_completed", 3_000)),
    },
    Scenario {
        key: "s4",
        section: "S4",
        dir: "fidelity/s4-defaults-healthy",
        title: "defaults (no update_config), healthy (3 replicas, HC-A)",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s5",
        section: "S5",
        dir: "compose/s5-defaults-pause",
        title: "defaults, release unhealthy from start: paused (3 replicas, HC-A)",
        steps: &simple("unhealthy", End::State("paused", 5_000)),
    },
    Scenario {
        key: "s6",
        section: "S6",
        dir: "compose/s6-parallelism-0",
        title: "parallelism 0, stop-first, healthy: a full outage (4 replicas, HC-A)",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s7",
        section: "S7",
        dir: "compose/s7-failure-ratio",
        title: "max_failure_ratio 0.5, unhealthy release: pause on the 3rd failure (4 replicas)",
        steps: &simple("unhealthy", End::State("paused", 2_000)),
    },
    Scenario {
        key: "s8",
        section: "S8",
        dir: "fidelity/s8-delay",
        title: "delay 6s >= monitor: the final period is delay + 1s (3 replicas, HC-A)",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s9",
        section: "S9",
        dir: "fidelity/s9-global-hostport-start-first",
        title: "global service, host-mode port, start-first: the update hangs",
        steps: &simple("healthy", End::Hang(15_000)),
    },
    Scenario {
        key: "s10",
        section: "S10",
        dir: "fidelity/s10-global-hostport-stop-first",
        title: "global service, host-mode port, stop-first: completes",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s11",
        section: "S11",
        dir: "fidelity/s11-slow-stop",
        title: "stop-first with an application that ignores SIGTERM (grace 8s, 2 replicas)",
        steps: &simple("healthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s12",
        section: "S12",
        dir: "fidelity/s12-continue",
        title: "failure_action continue, unhealthy release: completed (3 replicas)",
        steps: &simple("unhealthy", End::State("completed", 1_000)),
    },
    Scenario {
        key: "s13",
        section: "S13",
        dir: "fidelity/s13-monitor-window",
        title: "crash after the per-task monitor window: completed, nothing rolls back \
                (6 replicas, parallelism 3, start-first, HC-B)",
        steps: &simple("crash-after=11500ms:1", End::State("completed", 3_000)),
    },
    Scenario {
        key: "s14",
        section: "S14",
        dir: "fidelity/s14-manual-rollback",
        title: "manual rollback after a completed update (3 replicas, defaults)",
        steps: &[
            setup("v1", V1, End::Converged),
            setup("v2", V2, End::State("completed", 500)),
            Step {
                name: "rollback v2 -> v1",
                action: Action::Rollback,
                end: End::State("rollback_completed", 1_000),
                plan: Some(PlanArgs {
                    from: V2,
                    to: V1,
                    scenario: "healthy",
                    rollback: true,
                }),
            },
        ],
    },
    Scenario {
        key: "s15",
        section: "S15",
        dir: "fidelity/s15-failing-rollback",
        title: "a manual rollback to an unhealthy v1 fails: rollback_paused (3 replicas)",
        steps: &[
            setup("v1 (unhealthy)", V1, End::Sleep(3_000)),
            // Until every v2 task is healthy: `completed` comes earlier here (see above).
            setup("v2", V2, End::Converged),
            Step {
                name: "rollback v2 -> v1",
                action: Action::Rollback,
                end: End::State("rollback_paused", 5_000),
                plan: Some(PlanArgs {
                    from: V2,
                    to: V1,
                    scenario: "unhealthy",
                    rollback: true,
                }),
            },
        ],
    },
    Scenario {
        key: "s16",
        section: "S16",
        dir: "fidelity/s16-unschedulable",
        title: "the release can never be scheduled (1000 CPUs reserved): the update hangs",
        // The planner cannot know the node's CPUs: the user says `unschedulable` (with
        // `healthy` it predicts `completed`, see the analysis).
        steps: &simple("unschedulable", End::Hang(12_000)),
    },
    Scenario {
        key: "book",
        section: "book",
        dir: "fidelity/book",
        title: "the book's sequence v1 -> v2 -> v3 -> v5-bad -> v5 (prod-full), 6 replicas",
        steps: &[
            setup("v1", BOOK_V1, End::Converged),
            update(
                "v1 -> v2 (healthcheck, default update config)",
                BOOK_V1,
                BOOK_V2,
                "healthy",
                End::State("completed", 1_000),
            ),
            update(
                "v2 -> v3 (prod-update-config)",
                BOOK_V2,
                BOOK_V3,
                "healthy",
                End::State("completed", 1_000),
            ),
            update(
                "v3 -> v5-bad (rollback)",
                BOOK_V3,
                BOOK_V5_BAD,
                "unhealthy",
                End::State("rollback_completed", 2_000),
            ),
            update(
                "v3 -> v5 (prod-full)",
                BOOK_V3,
                BOOK_V5,
                "healthy",
                End::State("completed", 1_000),
            ),
        ],
    },
];
