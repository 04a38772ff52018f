//! Golden tests: the 16 worked scenarios S1..S16 of `swarm-rollout-semantics.md` §8.
//!
//! Each test asserts the ordered timeline (as a subsequence of the simulator's events, with
//! times within 0.2 s of the document), the UpdateStatus states and messages, the number
//! of tasks created, the minimum healthy and the maximum containers. Task labels follow
//! the simulator's slot-order convention (§7 convention 7): `N1` is the document's first
//! new task (`N_A`), `RB1` its first rollback task, and so on.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

/// Named `rollout` so that `cargo test -p stackplan-core rollout` selects these tests.
mod rollout {
    use stackplan_core::rollout::{
        ActionTaken, EndState, EventKind, FailureAction, HealthTest, Healthcheck, NoteKind,
        Operation, Outcome, RestartPolicy, RolloutPlan, RolloutRequest, Scenario, ServiceMode,
        ServiceSpec, SpecSide, Timing, UpdateConfig, UpdateOrder, UpdateState, WarningKind,
        simulate,
    };

    /// Allowed difference between a simulated time and the document's, in milliseconds.
    const TOLERANCE_MS: u64 = 200;

    // ----- fixtures (§8.0) -----

    /// HC-A: interval 2s, timeout 1s, retries 2, start_period 0.
    fn hc_a() -> Healthcheck {
        Healthcheck {
            test: HealthTest::Present,
            interval_ms: Some(2_000),
            timeout_ms: Some(1_000),
            retries: Some(2),
            start_period_ms: Some(0),
            start_interval_ms: None,
        }
    }

    /// HC-B (the book's numbers-api): interval 2s, timeout 3s, retries 2, start_period 5s.
    fn hc_b() -> Healthcheck {
        Healthcheck {
            timeout_ms: Some(3_000),
            start_period_ms: Some(5_000),
            ..hc_a()
        }
    }

    /// The book's `prod-update-config.yml`: parallelism 3, monitor 60s, rollback, start-first.
    fn book_update_config() -> UpdateConfig {
        UpdateConfig {
            parallelism: 3,
            monitor_ms: Some(60_000),
            failure_action: FailureAction::Rollback,
            order: UpdateOrder::StartFirst,
            ..UpdateConfig::default()
        }
    }

    /// The book's `prod-rollback-config.yml`: parallelism 6, `monitor: 0s` (stored as unset),
    /// continue, start-first.
    fn book_rollback_config() -> UpdateConfig {
        UpdateConfig {
            parallelism: 6,
            monitor_ms: None,
            failure_action: FailureAction::Continue,
            order: UpdateOrder::StartFirst,
            ..UpdateConfig::default()
        }
    }

    fn replicated(replicas: u32, healthcheck: Healthcheck) -> ServiceSpec {
        ServiceSpec {
            mode: ServiceMode::Replicated { replicas },
            healthcheck: Some(healthcheck),
            ..ServiceSpec::default()
        }
    }

    /// The book's numbers-api with the full prod file set (S1–S3, S13 without rollback config).
    fn book_spec() -> ServiceSpec {
        ServiceSpec {
            update_config: Some(book_update_config()),
            rollback_config: Some(book_rollback_config()),
            ..replicated(6, hc_b())
        }
    }

    fn update(from: ServiceSpec, to: ServiceSpec, scenario: &str) -> RolloutRequest {
        RolloutRequest {
            from,
            to,
            operation: Operation::Update,
            scenario: Scenario::parse(scenario).expect("valid scenario"),
            from_behavior: Scenario::default(),
            // The document's §7 conventions, which leave out the agent's 1 s stop-order
            // delay (see `stop_order_delay_is_what_a_real_swarm_shows` below).
            timing: Timing {
                stop_order_delay_ms: 0,
                start_spacing_ms: 0,
                ..Timing::default()
            },
            engine_major_version: 27,
            nodes: None,
            task_spec_changed: true,
        }
    }

    fn run(request: &RolloutRequest) -> RolloutPlan {
        let plan = simulate(request).expect("valid request");
        // Determinism: the same request gives the same plan.
        assert_eq!(
            plan,
            simulate(request).expect("valid request"),
            "simulation is not deterministic"
        );
        plan
    }

    // ----- assertions -----

    /// A short text for an event: `created N1`, `started N1`, `running N1`, `unhealthy N1`,
    /// `stop O1`, `failed N1 143`, `shutdown O1`, `complete N1`, `pending N1`, `placed N1`,
    /// `start N1` (desired RUNNING), `counted N1`, `ignored N1`, `status <state>`,
    /// `slot-failed <slot>`, `pass <kind>`, `cancelled`.
    fn describe(kind: &EventKind) -> Option<String> {
        Some(match kind {
            EventKind::Status { state, .. } => format!("status {}", state.as_str()),
            EventKind::UpdaterStarted { pass_kind, .. } => {
                format!(
                    "pass {}",
                    serde_json::to_value(pass_kind)
                        .expect("serializable")
                        .as_str()
                        .unwrap_or("")
                )
            }
            EventKind::UpdaterCancelled { .. } => "cancelled".to_owned(),
            EventKind::SlotFailed { slot, .. } => format!("slot-failed {slot}"),
            EventKind::TaskCreated { task, .. } => format!("created {task}"),
            EventKind::TaskPending { task, .. } => format!("pending {task}"),
            EventKind::TaskPlaced { task } => format!("placed {task}"),
            EventKind::TaskStartRequested { task } => format!("start {task}"),
            EventKind::TaskStarted { task } => format!("started {task}"),
            EventKind::TaskRunning { task } => format!("running {task}"),
            EventKind::TaskUnhealthy { task } => format!("unhealthy {task}"),
            EventKind::TaskStopRequested { task, .. } => format!("stop {task}"),
            EventKind::TaskEnded {
                task,
                state,
                exit_code,
                ..
            } => match (state, exit_code) {
                (EndState::Failed, Some(code)) => format!("failed {task} {code}"),
                (EndState::Failed, None) => format!("failed {task}"),
                (EndState::Shutdown, _) => format!("shutdown {task}"),
                (EndState::Complete, _) => format!("complete {task}"),
            },
            EventKind::FailureCounted { task, .. } => format!("counted {task}"),
            EventKind::FailureIgnored { task, .. } => format!("ignored {task}"),
            EventKind::SlotTaken { .. } | EventKind::SlotDone { .. } => return None,
        })
    }

    fn rendered(plan: &RolloutPlan) -> Vec<(u64, String)> {
        plan.events
            .iter()
            .filter_map(|e| describe(&e.kind).map(|text| (e.at_ms, text)))
            .collect()
    }

    fn dump(plan: &RolloutPlan) -> String {
        rendered(plan)
            .iter()
            .map(|(at, text)| format!("{:>8.1} {text}", *at as f64 / 1000.0))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts that `expected` (seconds, event text) occurs in this order within the timeline,
    /// each within the tolerance of its time.
    fn assert_timeline(plan: &RolloutPlan, expected: &[(f64, &str)]) {
        let events = rendered(plan);
        let mut from = 0;
        for &(seconds, text) in expected {
            let want = (seconds * 1000.0).round() as u64;
            let found = events[from..]
                .iter()
                .position(|(at, t)| t == text && at.abs_diff(want) <= TOLERANCE_MS);
            match found {
                Some(offset) => from += offset + 1,
                None => panic!(
                    "expected `{text}` at {seconds} s (in order), timeline:\n{}",
                    dump(plan)
                ),
            }
        }
    }

    /// Asserts the exact sequence of UpdateStatus writes: (seconds, state, message).
    fn assert_statuses(plan: &RolloutPlan, expected: &[(f64, UpdateState, &str)]) {
        let actual: Vec<(u64, UpdateState, &str)> = plan
            .status_changes
            .iter()
            .map(|s| (s.at_ms, s.state, s.message.as_str()))
            .collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "status writes {actual:?}\n{}",
            dump(plan)
        );
        for (&(at, state, message), &(seconds, want_state, want_message)) in
            actual.iter().zip(expected)
        {
            let want = (seconds * 1000.0).round() as u64;
            assert_eq!(
                (state, message),
                (want_state, want_message),
                "statuses {actual:?}"
            );
            assert!(
                at.abs_diff(want) <= TOLERANCE_MS,
                "{state:?} at {at} ms, expected {seconds} s"
            );
        }
    }

    fn assert_near(actual_ms: Option<u64>, seconds: f64, what: &str) {
        let want = (seconds * 1000.0).round() as u64;
        let actual = actual_ms.unwrap_or_else(|| panic!("{what}: missing"));
        assert!(
            actual.abs_diff(want) <= TOLERANCE_MS,
            "{what}: {actual} ms, expected {seconds} s"
        );
    }

    /// Healthy count right after the last change at or before `seconds`.
    fn healthy_at(plan: &RolloutPlan, seconds: f64) -> u32 {
        let at = (seconds * 1000.0).round() as u64;
        plan.capacity
            .iter()
            .take_while(|p| p.at_ms <= at)
            .last()
            .map_or(0, |p| p.healthy)
    }

    fn has_note(plan: &RolloutPlan, kind: NoteKind) -> bool {
        plan.notes.iter().any(|n| n.kind == kind)
    }

    fn has_warning(plan: &RolloutPlan, kind: WarningKind) -> bool {
        plan.warnings.iter().any(|w| w.kind == kind)
    }

    // ----- S1..S16 -----

    #[test]
    fn s01_book_good_release_engine_27() {
        let plan = run(&update(book_spec(), book_spec(), "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "status updating"),
                (0.0, "created N1"),
                (0.0, "created N2"),
                (0.0, "created N3"),
                (1.0, "started N1"),
                (6.1, "running N1"),
                (6.1, "stop O1"),
                (6.1, "created N4"),
                (7.1, "started N4"),
                (8.2, "shutdown O1"),
                (12.2, "running N4"),
                (12.2, "stop O4"),
                (14.3, "shutdown O4"),
                (72.2, "status completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (72.2, UpdateState::Completed, "update completed"),
            ],
        );
        assert_eq!(plan.outcome, Outcome::Completed);
        assert_eq!(
            (plan.min_healthy, plan.max_healthy, plan.max_containers),
            (6, 9, 12)
        );
        assert_eq!(plan.tasks_created, 6);
        assert_eq!(plan.full_capacity_at_ms, Some(0));
        assert!(has_note(&plan, NoteKind::SlotOrder));
    }

    #[test]
    fn s01_book_good_release_engine_26() {
        let mut request = update(book_spec(), book_spec(), "healthy");
        request.engine_major_version = 26;
        let plan = run(&request);
        assert_timeline(
            &plan,
            &[
                (3.1, "running N1"),
                (3.1, "created N4"),
                (6.2, "running N4"),
                (66.2, "status completed"),
            ],
        );
        assert_eq!((plan.min_healthy, plan.max_healthy), (6, 9));
        assert_eq!(plan.tasks_created, 6);
    }

    #[test]
    fn s02_book_bad_release_rolls_back_without_creating_tasks() {
        let plan = run(&update(book_spec(), book_spec(), "unhealthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "status updating"),
                (0.0, "created N1"),
                (1.0, "started N1"),
                (8.2, "unhealthy N1"),
                (10.3, "failed N1 143"),
                (10.3, "created R1"),
                (10.3, "counted N1"),
                (10.3, "status rollback_started"),
                (10.3, "pass rollback"),
                (10.3, "stop R1"),
                (15.3, "status rollback_completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (
                    10.3,
                    UpdateState::RollbackStarted,
                    "update rolled back due to failure or early termination of task N1",
                ),
                (15.3, UpdateState::RollbackCompleted, "rollback completed"),
            ],
        );
        let failed = plan.events.iter().find_map(|e| match &e.kind {
            EventKind::TaskEnded { task, error, .. } if task == "N1" => error.clone(),
            _ => None,
        });
        assert_eq!(
            failed.as_deref(),
            Some("task: non-zero exit (143): dockerexec: unhealthy container")
        );
        assert_eq!(plan.outcome, Outcome::RolledBack);
        assert_eq!(plan.final_spec, SpecSide::From);
        assert_eq!((plan.min_healthy, plan.max_containers), (6, 9));
        assert_eq!(plan.tasks_created, 6, "N1-N3 and R1-R3");
        let rollback = plan.rollback.as_ref().expect("rollback");
        assert_eq!(
            rollback.tasks_created, 0,
            "every slot still had its old task"
        );
        assert!(!rollback.manual);
        let detection = plan.detection.as_ref().expect("detection");
        assert_eq!(
            (detection.task.as_str(), detection.action),
            ("N1", ActionTaken::Rollback)
        );
        assert_near(Some(detection.at_ms), 10.3, "detection");
        assert!(has_note(&plan, NoteKind::ExtraSlotRace));
        assert!(has_note(&plan, NoteKind::RestartSpecRace));
    }

    #[test]
    fn s02_variant_rollback_config_only_in_the_failing_release() {
        // v3 had no rollback_config: the defaults govern the rollback; same timeline.
        let from = ServiceSpec {
            rollback_config: None,
            ..book_spec()
        };
        let plan = run(&update(from, book_spec(), "unhealthy"));
        assert_timeline(
            &plan,
            &[
                (10.3, "status rollback_started"),
                (15.3, "status rollback_completed"),
            ],
        );
        assert_eq!(plan.tasks_created, 6);
    }

    #[test]
    fn s02_variant_exit0_on_sigterm_ends_complete_with_the_same_timeline() {
        let plan = run(&update(
            book_spec(),
            book_spec(),
            "unhealthy+exit0-on-sigterm",
        ));
        assert_timeline(
            &plan,
            &[
                (10.3, "complete N1"),
                (10.3, "status rollback_started"),
                (15.3, "status rollback_completed"),
            ],
        );
        assert_eq!(plan.min_healthy, 6);
        assert!(has_note(&plan, NoteKind::Exit0RunningRace));
    }

    #[test]
    fn s03_book_release_crashing_after_8s() {
        let plan = run(&update(book_spec(), book_spec(), "crash-after=8s:1"));
        assert_timeline(
            &plan,
            &[
                (6.1, "running N1"),
                (6.1, "stop O1"),
                (6.1, "created N4"),
                (9.0, "failed N1 1"),
                (9.0, "created R1"),
                (12.2, "running N4"),
                (12.2, "stop O4"),
                (12.2, "counted N1"),
                (12.2, "status rollback_started"),
                (12.2, "created RB1"),
                (12.2, "created RB6"),
                (13.2, "started RB1"),
                (14.0, "start R1"),
                (14.2, "started R1"),
                (15.1, "failed N4 1"),
                (15.1, "created R4"),
                (18.3, "running RB1"),
                (18.3, "stop R1"),
                (20.3, "started R4"),
                (23.3, "status rollback_completed"),
                (23.3, "pass later_pass"),
                (23.3, "stop R4"),
                (83.3, "status completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (
                    12.2,
                    UpdateState::RollbackStarted,
                    "update rolled back due to failure or early termination of task N1",
                ),
                (23.3, UpdateState::RollbackCompleted, "rollback completed"),
                (83.3, UpdateState::Completed, "update completed"),
            ],
        );
        // R4-R6 are built from the restored v3 spec.
        let r4 = plan.tasks.iter().find(|t| t.task == "R4").expect("R4");
        assert_eq!(r4.spec, SpecSide::From);
        assert_eq!(plan.outcome, Outcome::RolledBack);
        assert_eq!((plan.min_healthy, plan.max_containers), (0, 15));
        assert_eq!(plan.tasks_created, 18);
        assert_eq!(healthy_at(&plan, 10.0), 3);
        assert_eq!(healthy_at(&plan, 16.0), 0);
        assert_eq!(healthy_at(&plan, 30.0), 6);
        assert_near(plan.full_capacity_at_ms, 18.3, "capacity restored");
        let detection = plan.detection.as_ref().expect("detection");
        assert_near(Some(detection.observed_at_ms), 9.0, "failure observed");
        assert_near(
            Some(detection.at_ms),
            12.2,
            "failure evaluated (deferred during wg.Wait)",
        );
        assert!(has_warning(&plan, WarningKind::FullOutage));
        assert!(has_note(&plan, NoteKind::LaterPassRace));
    }

    #[test]
    fn s03_variant_default_rollback_config_on_v3() {
        let from = ServiceSpec {
            rollback_config: None,
            ..book_spec()
        };
        let plan = run(&update(from, book_spec(), "crash-after=8s:1"));
        assert_timeline(
            &plan,
            &[
                (12.2, "status rollback_started"),
                (12.2, "created RB1"),
                (12.2, "stop R1"),
                (14.2, "shutdown R1"),
                (14.4, "started RB1"),
                (19.5, "running RB1"),
                (19.5, "stop R2"),
                (21.6, "shutdown R2"),
                (21.8, "started RB2"),
                (22.2, "failed R3 1"),
                (26.9, "running RB2"),
                (26.9, "slot-failed 3"),
                (26.9, "slot-failed 6"),
                (31.9, "status rollback_completed"),
            ],
        );
        assert_eq!(plan.rollback.as_ref().map(|r| r.tasks_created), Some(2));
        assert_eq!(healthy_at(&plan, 17.0), 0);
        assert_eq!(healthy_at(&plan, 33.0), 6);
        assert_near(plan.full_capacity_at_ms, 32.5, "capacity restored");
        assert_eq!(
            plan.status_changes.last().map(|s| s.state),
            Some(UpdateState::RollbackCompleted)
        );
    }

    #[test]
    fn s04_defaults_healthy() {
        let spec = replicated(3, hc_a());
        let plan = run(&update(spec.clone(), spec, "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "created N1"),
                (0.0, "stop O1"),
                (2.1, "shutdown O1"),
                (2.1, "start N1"),
                (2.3, "started N1"),
                (4.4, "running N1"),
                (4.4, "stop O2"),
                (6.5, "shutdown O2"),
                (6.7, "started N2"),
                (8.8, "running N2"),
                (10.9, "shutdown O3"),
                (11.1, "started N3"),
                (13.2, "running N3"),
                (18.2, "status completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (18.2, UpdateState::Completed, "update completed"),
            ],
        );
        assert_eq!(
            (plan.min_healthy, plan.max_containers, plan.tasks_created),
            (2, 3, 3)
        );
        assert_near(plan.full_capacity_at_ms, 13.2, "capacity restored");
    }

    #[test]
    fn s05_defaults_unhealthy_pauses_and_crash_loops() {
        let spec = replicated(3, hc_a());
        let plan = run(&update(spec.clone(), spec, "unhealthy"));
        assert_timeline(
            &plan,
            &[
                (2.1, "shutdown O1"),
                (2.3, "started N1"),
                (6.5, "unhealthy N1"),
                (8.6, "failed N1 143"),
                (8.6, "created R1"),
                (8.6, "status paused"),
                (13.8, "started R1"),
                (20.1, "failed R1 143"),
                (20.1, "created R1.2"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (
                    8.6,
                    UpdateState::Paused,
                    "update paused due to failure or early termination of task N1",
                ),
            ],
        );
        assert_eq!(plan.outcome, Outcome::Paused);
        assert_eq!(plan.min_healthy, 2);
        assert_eq!(
            plan.tasks_created_by_updater, 1,
            "B and C are never handed out"
        );
        assert!(has_warning(&plan, WarningKind::CrashLoop));
        assert_eq!(healthy_at(&plan, 30.0), 2);
    }

    #[test]
    fn s06_parallelism_zero_is_a_full_outage() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                parallelism: 0,
                ..UpdateConfig::default()
            }),
            ..replicated(4, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "stop O1"),
                (0.0, "stop O4"),
                (2.1, "shutdown O4"),
                (2.3, "started N1"),
                (2.3, "started N4"),
                (4.4, "running N4"),
                (9.4, "status completed"),
            ],
        );
        assert_eq!(
            (plan.min_healthy, plan.max_containers, plan.tasks_created),
            (0, 4, 4)
        );
        let outage = plan
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::FullOutage)
            .expect("outage");
        assert_eq!((outage.at_ms, outage.until_ms), (Some(0), Some(4_400)));
    }

    #[test]
    fn s07_failure_ratio_is_strictly_greater() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                max_failure_ratio: 0.5,
                ..UpdateConfig::default()
            }),
            ..replicated(4, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "unhealthy"));
        assert_timeline(
            &plan,
            &[
                (8.6, "failed N1 143"),
                (8.6, "counted N1"),
                (8.6, "stop O2"),
                (17.2, "failed N2 143"),
                (17.2, "counted N2"),
                (17.2, "stop O3"),
                (25.8, "failed N3 143"),
                (25.8, "counted N3"),
                (25.8, "status paused"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (
                    25.8,
                    UpdateState::Paused,
                    "update paused due to failure or early termination of task N3",
                ),
            ],
        );
        assert_eq!(plan.min_healthy, 1);
        assert_eq!(plan.tasks_created_by_updater, 3, "slot D is untouched");
        assert!(!plan.tasks.iter().any(|t| t.task == "N4"));
    }

    #[test]
    fn s08_delay_is_slept_after_every_slot_and_extends_the_monitor() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                delay_ms: 10_000,
                ..UpdateConfig::default()
            }),
            ..replicated(3, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "healthy"));
        assert_timeline(
            &plan,
            &[
                (4.4, "running N1"),
                (14.4, "stop O2"),
                (16.5, "shutdown O2"),
                (16.7, "started N2"),
                (18.8, "running N2"),
                (28.8, "stop O3"),
                (33.2, "running N3"),
                (54.2, "status completed"),
            ],
        );
        assert_eq!(plan.min_healthy, 2);
        assert_eq!(plan.passes[0].config.delay_ms, 10_000);
    }

    #[test]
    fn s09_global_host_port_start_first_hangs_forever() {
        let spec = ServiceSpec {
            mode: ServiceMode::Global { nodes: 1 },
            host_mode_ports: true,
            update_config: Some(UpdateConfig {
                order: UpdateOrder::StartFirst,
                ..UpdateConfig::default()
            }),
            healthcheck: Some(hc_a()),
            ..ServiceSpec::default()
        };
        let plan = run(&update(spec.clone(), spec, "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "status updating"),
                (0.0, "created N1"),
                (0.0, "pending N1"),
            ],
        );
        let reason = plan.events.iter().find_map(|e| match &e.kind {
            EventKind::TaskPending { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        assert_eq!(
            reason.as_deref(),
            Some("host-mode port already in use on 1 node")
        );
        assert_statuses(&plan, &[(0.0, UpdateState::Updating, "update in progress")]);
        assert_eq!(plan.outcome, Outcome::HangsForever);
        assert_eq!((plan.min_healthy, plan.tasks_created), (1, 1));
        assert!(
            !plan
                .events
                .iter()
                .any(|e| matches!(e.kind, EventKind::TaskStopRequested { .. })),
            "the old task keeps serving"
        );
        let hang = plan
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::HangsForever)
            .expect("hang warning");
        assert!(hang.message.contains("stop-first"), "{}", hang.message);
    }

    #[test]
    fn s10_global_host_port_stop_first_works() {
        let spec = ServiceSpec {
            mode: ServiceMode::Global { nodes: 1 },
            host_mode_ports: true,
            healthcheck: Some(hc_a()),
            ..ServiceSpec::default()
        };
        let plan = run(&update(spec.clone(), spec.clone(), "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.0, "pending N1"),
                (0.0, "stop O1"),
                (2.1, "shutdown O1"),
                (2.1, "placed N1"),
                (3.1, "started N1"),
                (5.2, "running N1"),
                (10.2, "status completed"),
            ],
        );
        assert_eq!(
            (plan.min_healthy, plan.max_containers, plan.tasks_created),
            (0, 1, 1)
        );

        // Without a non-bridge network there is no 2 s sleep: everything 2 s earlier.
        let bare = ServiceSpec {
            networked: false,
            ..spec
        };
        let plan = run(&update(bare.clone(), bare, "healthy"));
        assert_timeline(
            &plan,
            &[
                (0.1, "shutdown O1"),
                (1.1, "started N1"),
                (3.2, "running N1"),
                (8.2, "status completed"),
            ],
        );
    }

    #[test]
    fn s11_slow_stopping_container_delays_stop_first() {
        let spec = ServiceSpec {
            stop_grace_period_ms: Some(30_000),
            ..replicated(2, hc_a())
        };
        let mut request = update(spec.clone(), spec, "ignore-sigterm");
        request.from_behavior = Scenario::parse("ignore-sigterm").expect("valid");
        let plan = run(&request);
        assert_timeline(
            &plan,
            &[
                (0.0, "stop O1"),
                (32.0, "shutdown O1"),
                (32.2, "started N1"),
                (34.3, "running N1"),
                (34.3, "stop O2"),
                (66.3, "shutdown O2"),
                (66.5, "started N2"),
                (68.6, "running N2"),
                (73.6, "status completed"),
            ],
        );
        let o1 = plan.events.iter().find_map(|e| match &e.kind {
            EventKind::TaskEnded {
                task, exit_code, ..
            } if task == "O1" => *exit_code,
            _ => None,
        });
        assert_eq!(
            o1,
            Some(137),
            "killed after the grace period, still SHUTDOWN"
        );
        assert_eq!((plan.min_healthy, plan.max_containers), (1, 2));
    }

    #[test]
    fn s11_variant_grace_90s_hits_the_60s_old_task_timeout() {
        let spec = ServiceSpec {
            stop_grace_period_ms: Some(90_000),
            ..replicated(2, hc_a())
        };
        let mut request = update(spec.clone(), spec, "ignore-sigterm");
        request.from_behavior = Scenario::parse("ignore-sigterm").expect("valid");
        let plan = run(&request);
        assert_timeline(
            &plan,
            &[
                (0.0, "stop O1"),
                (60.0, "start N1"),
                (60.2, "started N1"),
                (62.3, "running N1"),
                (62.3, "stop O2"),
                (92.0, "shutdown O1"),
                (122.5, "started N2"),
                (124.6, "running N2"),
                (129.6, "status completed"),
            ],
        );
        assert_eq!(plan.max_containers, 3);
    }

    #[test]
    fn s12_continue_never_detects_failures() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                failure_action: FailureAction::Continue,
                ..UpdateConfig::default()
            }),
            ..replicated(3, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "unhealthy"));
        assert_timeline(
            &plan,
            &[
                (8.6, "failed N1 143"),
                (8.6, "stop O2"),
                (17.2, "failed N2 143"),
                (17.2, "stop O3"),
                (25.8, "failed N3 143"),
                (30.8, "status completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (30.8, UpdateState::Completed, "update completed"),
            ],
        );
        assert!(
            !plan
                .events
                .iter()
                .any(|e| matches!(e.kind, EventKind::FailureCounted { .. }))
        );
        assert_eq!(plan.outcome, Outcome::Completed);
        assert_eq!(plan.min_healthy, 0);
        assert!(has_warning(&plan, WarningKind::FailuresNotCounted));
        assert!(has_warning(&plan, WarningKind::CrashLoop));
    }

    fn s13_spec() -> ServiceSpec {
        ServiceSpec {
            update_config: Some(UpdateConfig {
                monitor_ms: None,
                ..book_update_config()
            }),
            ..replicated(6, hc_b())
        }
    }

    #[test]
    fn s13_monitor_window_is_per_task() {
        let plan = run(&update(s13_spec(), s13_spec(), "crash-after=11500ms:1"));
        assert_timeline(
            &plan,
            &[
                (6.1, "running N1"),
                (12.2, "running N4"),
                (12.5, "failed N1 1"),
                (12.5, "ignored N1"),
                (17.2, "status completed"),
                (18.6, "failed N4 1"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (0.0, UpdateState::Updating, "update in progress"),
                (17.2, UpdateState::Completed, "update completed"),
            ],
        );
        assert_eq!(plan.outcome, Outcome::Completed);
        assert!(
            plan.detection.is_none() && plan.rollback.is_none(),
            "nothing rolls back"
        );
        assert_eq!(plan.min_healthy, 0, "all tasks crash-loop afterwards");
        assert!(has_warning(&plan, WarningKind::FailuresNotCounted));
    }

    #[test]
    fn s13_variant_deferred_evaluation_falls_outside_the_window() {
        let plan = run(&update(s13_spec(), s13_spec(), "crash-after=10500ms:1"));
        assert_timeline(
            &plan,
            &[
                (11.5, "failed N1 1"),
                (12.2, "running N4"),
                (12.2, "ignored N1"),
                (17.2, "status completed"),
                (17.6, "failed N4 1"),
            ],
        );
        let ignored = plan.events.iter().find_map(|e| match &e.kind {
            EventKind::FailureIgnored {
                observed_at_ms,
                seen_running_at_ms,
                ..
            } => Some((e.at_ms, *observed_at_ms, *seen_running_at_ms)),
            _ => None,
        });
        assert_eq!(ignored, Some((12_200, 11_500, 6_100)));
    }

    #[test]
    fn s14_manual_rollback_after_a_completed_update() {
        let spec = replicated(3, hc_a());
        let mut request = update(spec.clone(), spec, "healthy");
        request.operation = Operation::Rollback;
        let plan = run(&request);
        assert_timeline(
            &plan,
            &[
                (0.0, "status rollback_started"),
                (0.0, "created RB1"),
                (0.0, "stop O1"),
                (2.3, "started RB1"),
                (4.4, "running RB1"),
                (13.2, "running RB3"),
                (18.2, "status rollback_completed"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (
                    0.0,
                    UpdateState::RollbackStarted,
                    "manually requested rollback",
                ),
                (18.2, UpdateState::RollbackCompleted, "rollback completed"),
            ],
        );
        assert_eq!(plan.outcome, Outcome::RolledBack);
        assert!(plan.rollback.as_ref().is_some_and(|r| r.manual));
        assert_eq!(
            (plan.min_healthy, plan.max_containers, plan.tasks_created),
            (2, 3, 3)
        );
    }

    fn s15_request(v1_rollback_action: Option<FailureAction>) -> RolloutRequest {
        let v2 = replicated(3, hc_a());
        let v1 = ServiceSpec {
            rollback_config: v1_rollback_action.map(|failure_action| UpdateConfig {
                failure_action,
                ..UpdateConfig::default()
            }),
            ..replicated(3, hc_a())
        };
        let mut request = update(v2, v1, "unhealthy");
        request.operation = Operation::Rollback;
        request
    }

    #[test]
    fn s15_failing_rollback_with_pause_stays_rollback_paused() {
        let plan = run(&s15_request(None));
        assert_timeline(
            &plan,
            &[
                (0.0, "status rollback_started"),
                (0.0, "created RB1"),
                (0.0, "stop O1"),
                (2.1, "shutdown O1"),
                (2.3, "started RB1"),
                (6.5, "unhealthy RB1"),
                (8.6, "failed RB1 143"),
                (8.6, "created R1"),
                (8.6, "status rollback_paused"),
                (13.8, "started R1"),
                (20.1, "failed R1 143"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (
                    0.0,
                    UpdateState::RollbackStarted,
                    "manually requested rollback",
                ),
                (
                    8.6,
                    UpdateState::RollbackPaused,
                    "update paused due to failure or early termination of task RB1",
                ),
            ],
        );
        assert_eq!(plan.outcome, Outcome::RollbackPaused);
        assert_eq!(plan.min_healthy, 2);
        assert_eq!(plan.tasks_created_by_updater, 1, "B and C stay v2");
    }

    #[test]
    fn s15_failing_rollback_with_rollback_action_is_paused_then_completed() {
        let plan = run(&s15_request(Some(FailureAction::Rollback)));
        assert_timeline(
            &plan,
            &[
                (8.6, "failed RB1 143"),
                (8.6, "status rollback_paused"),
                (13.6, "status completed"),
                (13.6, "pass later_pass"),
                (13.6, "stop O2"),
                (15.7, "shutdown O2"),
                (15.9, "started L2"),
                (22.2, "failed L2 143"),
                (22.2, "status paused"),
            ],
        );
        assert_statuses(
            &plan,
            &[
                (
                    0.0,
                    UpdateState::RollbackStarted,
                    "manually requested rollback",
                ),
                (
                    8.6,
                    UpdateState::RollbackPaused,
                    "rollback paused due to failure or early termination of task RB1",
                ),
                (13.6, UpdateState::Completed, "update completed"),
                (
                    22.2,
                    UpdateState::Paused,
                    "update paused due to failure or early termination of task L2",
                ),
            ],
        );
        assert_eq!(
            plan.detection.as_ref().map(|d| d.action),
            Some(ActionTaken::PauseRollback)
        );
        assert_eq!(plan.outcome, Outcome::RollbackPaused);
        assert_eq!(healthy_at(&plan, 13.0), 2);
        assert_eq!(healthy_at(&plan, 14.0), 1);
        assert_eq!(plan.min_healthy, 1);
    }

    #[test]
    fn s16_unschedulable_task_hangs_the_update() {
        let spec = replicated(2, hc_a());
        let plan = run(&update(spec.clone(), spec.clone(), "unschedulable"));
        assert_timeline(
            &plan,
            &[
                (0.0, "created N1"),
                (0.0, "pending N1"),
                (0.0, "stop O1"),
                (2.1, "shutdown O1"),
                (2.1, "start N1"),
            ],
        );
        let reason = plan.events.iter().find_map(|e| match &e.kind {
            EventKind::TaskPending { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        assert_eq!(
            reason.as_deref(),
            Some("no suitable node (insufficient resources on 1 node)")
        );
        assert_statuses(&plan, &[(0.0, UpdateState::Updating, "update in progress")]);
        assert_eq!(plan.outcome, Outcome::HangsForever);
        assert_eq!((plan.min_healthy, plan.tasks_created), (1, 1));
        assert_eq!(healthy_at(&plan, 30.0), 1);
        assert!(has_warning(&plan, WarningKind::HangsForever));

        // start-first keeps the old task: healthy stays 2, and it still hangs.
        let start_first = ServiceSpec {
            update_config: Some(UpdateConfig {
                order: UpdateOrder::StartFirst,
                ..UpdateConfig::default()
            }),
            ..spec
        };
        let plan = run(&update(start_first.clone(), start_first, "unschedulable"));
        assert_eq!(plan.outcome, Outcome::HangsForever);
        assert_eq!(plan.min_healthy, 2);
    }

    // ----- beyond §8: behaviours the scenarios rely on -----

    #[test]
    fn no_task_change_writes_no_status() {
        let spec = replicated(3, hc_a());
        let mut request = update(spec.clone(), spec, "healthy");
        request.task_spec_changed = false;
        let plan = run(&request);
        assert_eq!(plan.outcome, Outcome::NoUpdate);
        assert!(plan.status_changes.is_empty());
        assert_eq!(plan.tasks_created, 0);
    }

    #[test]
    fn restart_policy_none_leaves_the_slot_empty() {
        let spec = ServiceSpec {
            restart_policy: Some(RestartPolicy {
                condition: stackplan_core::rollout::RestartCondition::None,
                ..RestartPolicy::default()
            }),
            update_config: Some(UpdateConfig {
                failure_action: FailureAction::Continue,
                ..UpdateConfig::default()
            }),
            ..replicated(2, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "crash-after=10s:1"));
        assert_eq!(plan.tasks_created_by_restart, 0);
        assert_eq!(plan.capacity.last().map(|p| p.healthy), Some(0));
        assert!(!has_warning(&plan, WarningKind::CrashLoop));
    }

    #[test]
    fn scenario_without_healthcheck_is_flagged_undetectable() {
        let spec = ServiceSpec {
            mode: ServiceMode::Replicated { replicas: 2 },
            ..ServiceSpec::default()
        };
        let plan = run(&update(spec.clone(), spec, "unhealthy"));
        assert_eq!(plan.outcome, Outcome::Completed);
        assert!(has_warning(&plan, WarningKind::ScenarioUndetectable));
    }

    #[test]
    fn plan_serializes_with_stable_names() {
        let plan = run(&update(book_spec(), book_spec(), "unhealthy"));
        let json = serde_json::to_value(&plan).expect("serializable");
        assert_eq!(json["outcome"], "rolled_back");
        assert_eq!(json["final_status"]["state"], "rollback_completed");
        assert_eq!(json["events"][0]["kind"], "status");
        assert_eq!(json["events"][0]["state"], "updating");
        assert_eq!(json["detection"]["action"], "rollback");
        let request: RolloutRequest = serde_json::from_value(serde_json::json!({
        "from": {"mode": {"kind": "replicated", "replicas": 6}},
        "to": {"mode": {"kind": "replicated", "replicas": 6}, "update_config": {"order": "start-first"}},
        "scenario": "crash-after=8s:1"
    }))
    .expect("valid request");
        assert_eq!(request.scenario.to_string(), "crash-after=8s:1");
        assert_eq!(request.engine_major_version, 27);
    }

    /// A manual rollback to an always-unhealthy v1 whose rollback config says `rollback`.
    fn rollback_of_a_rollback(replicas: u32, parallelism: u64) -> RolloutPlan {
        let v2 = replicated(replicas, hc_a());
        let v1 = ServiceSpec {
            rollback_config: Some(UpdateConfig {
                parallelism,
                failure_action: FailureAction::Rollback,
                ..UpdateConfig::default()
            }),
            ..replicated(replicas, hc_a())
        };
        let mut request = update(v2, v1, "unhealthy");
        request.operation = Operation::Rollback;
        run(&request)
    }

    /// Derived from the source (updater.go `failureTriggersAction`): the "never roll back a
    /// rollback" branch returns true without `stopped = true`. Read in the final monitor
    /// loop, the failure breaks that loop and `completeUpdate` runs at once (no extra
    /// monitor period, unlike S15 where it is read while handing out a slot).
    #[test]
    fn rollback_of_a_rollback_read_in_the_monitor_loop_completes_at_once() {
        let plan = rollback_of_a_rollback(2, 2);
        assert_statuses(
            &plan,
            &[
                (
                    0.0,
                    UpdateState::RollbackStarted,
                    "manually requested rollback",
                ),
                (
                    8.6,
                    UpdateState::RollbackPaused,
                    "rollback paused due to failure or early termination of task RB1",
                ),
                (8.6, UpdateState::Completed, "update completed"),
            ],
        );
        assert_eq!(plan.outcome, Outcome::RollbackPaused);
    }

    /// A second failure read in the monitor loop pauses again: the stored state is no
    /// longer ROLLBACK_STARTED, so `pauseUpdate` writes PAUSED (with the "rollback paused"
    /// text), and `completed` follows in the same instant. Here the first failure is read
    /// while slot 3 waits to be handed out, the second once the monitor loop starts.
    #[test]
    fn rollback_of_a_rollback_with_a_second_failure_pauses_twice() {
        let plan = rollback_of_a_rollback(3, 2);
        assert_statuses(
            &plan,
            &[
                (
                    0.0,
                    UpdateState::RollbackStarted,
                    "manually requested rollback",
                ),
                (
                    8.6,
                    UpdateState::RollbackPaused,
                    "rollback paused due to failure or early termination of task RB1",
                ),
                (
                    8.6,
                    UpdateState::Paused,
                    "rollback paused due to failure or early termination of task RB2",
                ),
                (8.6, UpdateState::Completed, "update completed"),
                // The completion write's reconcile starts a pass on slot 3 (still v2).
                (
                    17.2,
                    UpdateState::Paused,
                    "update paused due to failure or early termination of task L3",
                ),
            ],
        );
        assert_eq!(plan.outcome, Outcome::RollbackPaused);
    }

    #[test]
    fn start_first_with_uncounted_failures_completes_on_the_old_spec() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                order: UpdateOrder::StartFirst,
                failure_action: FailureAction::Continue,
                ..UpdateConfig::default()
            }),
            restart_policy: Some(RestartPolicy {
                condition: stackplan_core::rollout::RestartCondition::None,
                ..RestartPolicy::default()
            }),
            ..replicated(2, hc_a())
        };
        let plan = run(&update(spec.clone(), spec, "unhealthy"));
        assert_eq!(plan.outcome, Outcome::Completed);
        assert_eq!(plan.min_healthy, 2, "the old tasks were never stopped");
        assert!(has_warning(&plan, WarningKind::OldTasksKept));
    }

    #[test]
    fn horizon_cuts_a_long_update() {
        let spec = replicated(20, hc_a());
        let mut request = update(spec.clone(), spec, "healthy");
        request.timing.horizon_ms = 10_000;
        let plan = run(&request);
        assert_eq!(plan.outcome, Outcome::Unfinished);
        assert!(plan.simulated_until_ms <= 10_000);
        assert!(has_warning(&plan, WarningKind::SimulationCut));
    }

    #[test]
    fn scale_up_adds_tasks_directly_and_scale_down_removes_the_highest_slots() {
        let up = run(&update(
            replicated(2, hc_a()),
            replicated(4, hc_a()),
            "healthy",
        ));
        assert_timeline(
            &up,
            &[
                (0.0, "created S3"),
                (0.0, "created S4"),
                (0.0, "pass update"),
            ],
        );
        assert_eq!(
            up.passes[0].dirty_slots, 2,
            "only the existing slots are rolled"
        );
        assert_eq!(up.target_replicas, 4);
        let down = run(&update(
            replicated(4, hc_a()),
            replicated(2, hc_a()),
            "healthy",
        ));
        assert_timeline(
            &down,
            &[(0.0, "stop O3"), (0.0, "stop O4"), (0.0, "pass update")],
        );
        assert_eq!(down.passes[0].dirty_slots, 2);
        assert_eq!(down.outcome, Outcome::Completed);
    }

    #[test]
    fn replicated_host_port_start_first_needs_a_free_node() {
        let spec = ServiceSpec {
            host_mode_ports: true,
            update_config: Some(UpdateConfig {
                order: UpdateOrder::StartFirst,
                ..UpdateConfig::default()
            }),
            ..replicated(1, hc_a())
        };
        let stuck = run(&update(spec.clone(), spec.clone(), "healthy"));
        assert_eq!(stuck.outcome, Outcome::HangsForever);
        let reason = stuck.events.iter().find_map(|e| match &e.kind {
            EventKind::TaskPending { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        assert_eq!(
            reason.as_deref(),
            Some("no suitable node (host-mode port already in use on 1 node)")
        );
        let mut two_nodes = update(spec.clone(), spec, "healthy");
        two_nodes.nodes = Some(2);
        let plan = run(&two_nodes);
        assert_eq!(plan.outcome, Outcome::Completed);
        assert_eq!(plan.min_healthy, 1);
    }

    #[test]
    fn global_service_on_three_nodes_updates_node_by_node() {
        let spec = ServiceSpec {
            mode: ServiceMode::Global { nodes: 3 },
            healthcheck: Some(hc_a()),
            ..ServiceSpec::default()
        };
        let plan = run(&update(spec.clone(), spec, "healthy"));
        assert_timeline(
            &plan,
            &[
                (4.4, "running N1"),
                (8.8, "running N2"),
                (13.2, "running N3"),
                (18.2, "status completed"),
            ],
        );
        assert_eq!(plan.target_replicas, 3);
    }

    #[test]
    fn invalid_requests_are_refused() {
        let global = ServiceSpec {
            mode: ServiceMode::Global { nodes: 2 },
            ..ServiceSpec::default()
        };
        let request = update(replicated(2, hc_a()), global, "healthy");
        assert_eq!(
            simulate(&request),
            Err(stackplan_core::rollout::RolloutError::ModeChange)
        );
        let huge = replicated(1_000_000, hc_a());
        let request = update(huge.clone(), huge, "healthy");
        assert!(matches!(
            simulate(&request),
            Err(stackplan_core::rollout::RolloutError::TooManySlots(_))
        ));
    }

    /// A real Swarm (tests/swarm_e2e.rs, Engine 20.10) sends SIGTERM 3.18 s after the manager's
    /// stop order, not the 2.1 s of the document's §4.4: the agent cancels the task's wait and
    /// retries after 1 s first (moby/swarmkit `agent/task.go` `taskManager.run`). The default
    /// timing models it; every stop-first step is 1 s later than the document says.
    #[test]
    fn stop_order_delay_is_what_a_real_swarm_shows() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                parallelism: 0,
                ..UpdateConfig::default()
            }),
            ..replicated(4, hc_a())
        };
        let mut request = update(spec.clone(), spec, "healthy");
        let document = run(&request);
        request.timing.stop_order_delay_ms = Timing::default().stop_order_delay_ms;
        assert_eq!(request.timing.stop_order_delay_ms, 1_000);
        let real = run(&request);
        // S6: the old tasks exit at 3.1 s instead of 2.1 s, everything after moves by 1 s.
        assert_eq!(document.finished_at_ms, Some(9_400));
        assert_eq!(real.finished_at_ms, Some(10_400));
        let old_exit = |plan: &RolloutPlan| {
            plan.tasks
                .iter()
                .filter(|t| t.spec == SpecSide::From)
                .filter_map(|t| t.ended_at_ms)
                .max()
        };
        assert_eq!(old_exit(&document), Some(2_100));
        assert_eq!(old_exit(&real), Some(3_100));
        // A stop the engine starts itself (an unhealthy task) does not wait: S5's new task
        // fails as early as before; only its stop-first predecessor exits later.
        let defaults = replicated(3, hc_a());
        let mut unhealthy = update(defaults.clone(), defaults, "unhealthy");
        let doc_pause = run(&unhealthy).detection.map(|d| d.at_ms);
        unhealthy.timing.stop_order_delay_ms = 1_000;
        let real_pause = run(&unhealthy).detection.map(|d| d.at_ms);
        assert_eq!(real_pause.zip(doc_pause).map(|(r, d)| r - d), Some(1_000));
    }

    /// Container starts in one instant come up `start_spacing_ms` apart (the daemon
    /// serialises them; measured on a real Swarm, docs/fidelity.md). Failures of tasks
    /// started together are then spread too: in S2 the first failure rolls back at once,
    /// the rollback updater tells the second (still-failing) task to stop, and that task
    /// ends FAILED without a replacement. Observed: 3 tasks created, the second FAILED
    /// with desired SHUTDOWN; the document's convention (everything in one instant) gives 4.
    #[test]
    fn simultaneous_failures_are_serialised_as_a_real_swarm_does() {
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                parallelism: 2,
                ..book_update_config()
            }),
            rollback_config: Some(book_rollback_config()),
            ..replicated(4, hc_b())
        };
        let mut request = update(spec.clone(), spec, "unhealthy");
        let document = run(&request);
        assert_eq!(document.tasks_created, 4, "N1, N2, R1, R2 in one instant");
        assert!(!has_note(&document, NoteKind::FailureOrderRace));
        request.timing.start_spacing_ms = Timing::default().start_spacing_ms;
        assert_eq!(request.timing.start_spacing_ms, 250);
        let real = run(&request);
        let started = |plan: &RolloutPlan, label: &str| {
            plan.tasks
                .iter()
                .find(|t| t.task == label)
                .and_then(|t| t.started_at_ms)
        };
        assert_eq!(started(&real, "N1"), Some(1_000));
        assert_eq!(started(&real, "N2"), Some(1_250));
        assert_eq!(
            real.tasks_created, 3,
            "N1, N2 and R1 only: {:#?}",
            real.tasks
        );
        let n2 = real.tasks.iter().find(|t| t.task == "N2").expect("N2");
        assert_eq!(n2.end_state, Some(EndState::Failed));
        assert!(has_note(&real, NoteKind::FailureOrderRace));
        // The rollback itself is acted on at the first failure, as before.
        assert_eq!(
            real.detection.as_ref().map(|d| d.at_ms),
            document.detection.as_ref().map(|d| d.at_ms)
        );
        // S6 (4 containers at once): the last starts 3 × 250 ms later, and so completes.
        let s6 = ServiceSpec {
            update_config: Some(UpdateConfig {
                parallelism: 0,
                ..UpdateConfig::default()
            }),
            ..replicated(4, hc_a())
        };
        let mut all_at_once = update(s6.clone(), s6, "healthy");
        let flat = run(&all_at_once).finished_at_ms.expect("finished");
        all_at_once.timing.start_spacing_ms = 250;
        let spaced = run(&all_at_once).finished_at_ms.expect("finished");
        assert_eq!(spaced - flat, 750);
    }

    /// Starts that contend: with `start_concurrent_ms`, each container of a batch started
    /// together comes up `(n - 1) × start_concurrent_ms` later, then `start_spacing_ms`
    /// serialises the batch (issue 10: 0.54 s alone, 1.75 s for the sixth of six). A task
    /// started alone is not slowed.
    #[test]
    fn concurrent_starts_are_slower_than_one_alone() {
        let started = |plan: &RolloutPlan, label: &str| {
            plan.tasks
                .iter()
                .find(|t| t.task == label)
                .and_then(|t| t.started_at_ms)
        };
        // S6 shape: four new tasks placed in one instant (parallelism 0, stop-first is
        // irrelevant: start-first keeps the old ones out of the count).
        let spec = ServiceSpec {
            update_config: Some(UpdateConfig {
                parallelism: 0,
                order: UpdateOrder::StartFirst,
                ..UpdateConfig::default()
            }),
            ..replicated(4, hc_a())
        };
        let mut request = update(spec.clone(), spec, "healthy");
        request.timing.start_new_ms = 540;
        request.timing.start_ready_ms = 200;
        request.timing.start_spacing_ms = 100;
        let flat = run(&request);
        request.timing.start_concurrent_ms = 150;
        let contended = run(&request);
        for (label, flat_ms, contended_ms) in [
            ("N1", 540, 540 + 3 * 150),
            ("N2", 640, 640 + 3 * 150),
            ("N4", 840, 840 + 3 * 150),
        ] {
            assert_eq!(
                started(&flat, label),
                Some(flat_ms),
                "{label} without the term"
            );
            assert_eq!(
                started(&contended, label),
                Some(contended_ms),
                "{label} with it"
            );
        }
        // One replica: nothing else starts with it, so the term changes nothing.
        let single = ServiceSpec {
            update_config: Some(UpdateConfig {
                order: UpdateOrder::StartFirst,
                ..UpdateConfig::default()
            }),
            ..replicated(1, hc_a())
        };
        let mut alone = update(single.clone(), single, "healthy");
        alone.timing.start_new_ms = 540;
        alone.timing.start_concurrent_ms = 150;
        assert_eq!(started(&run(&alone), "N1"), Some(540));
    }
}
