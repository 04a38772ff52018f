//! Property tests over random rollout requests: invariants that must hold for any input.
//!
//! Strategies are boxed: deeply nested strategy types overflow the test thread's stack in
//! debug builds.

use proptest::prelude::*;

use super::*;

fn update_config() -> BoxedStrategy<UpdateConfig> {
    (
        0u64..5,
        prop_oneof![Just(0u64), Just(500), Just(2_000), Just(7_000)],
        prop_oneof![
            Just(FailureAction::Pause),
            Just(FailureAction::Continue),
            Just(FailureAction::Rollback)
        ],
        prop_oneof![Just(None), (1u64..12_000).prop_map(Some)],
        prop_oneof![Just(0.0f32), Just(0.25), Just(0.5), Just(1.0)],
        prop_oneof![Just(UpdateOrder::StopFirst), Just(UpdateOrder::StartFirst)],
    )
        .prop_map(
            |(parallelism, delay_ms, failure_action, monitor_ms, max_failure_ratio, order)| {
                UpdateConfig {
                    parallelism,
                    delay_ms,
                    failure_action,
                    monitor_ms,
                    max_failure_ratio,
                    order,
                }
            },
        )
        .boxed()
}

fn healthcheck() -> BoxedStrategy<Option<Healthcheck>> {
    prop_oneof![
        Just(None),
        (
            1u64..4_000,
            1u64..3_000,
            0u32..4,
            0u64..8_000,
            prop_oneof![Just(None), (1u64..3_000).prop_map(Some)]
        )
            .prop_map(
                |(interval, timeout, retries, start_period, start_interval)| {
                    Some(Healthcheck {
                        test: HealthTest::Present,
                        interval_ms: Some(interval),
                        timeout_ms: Some(timeout),
                        retries: Some(retries),
                        start_period_ms: Some(start_period),
                        start_interval_ms: start_interval,
                    })
                }
            ),
    ]
    .boxed()
}

fn restart_policy() -> BoxedStrategy<Option<RestartPolicy>> {
    prop_oneof![
        Just(None),
        (
            prop_oneof![
                Just(RestartCondition::Any),
                Just(RestartCondition::OnFailure),
                Just(RestartCondition::None)
            ],
            prop_oneof![Just(None), (0u64..8_000).prop_map(Some)],
            0u64..3,
            prop_oneof![Just(0u64), Just(20_000)],
        )
            .prop_map(|(condition, delay_ms, max_attempts, window_ms)| {
                Some(RestartPolicy {
                    condition,
                    delay_ms,
                    max_attempts,
                    window_ms,
                })
            }),
    ]
    .boxed()
}

fn service_spec(mode: ServiceMode) -> BoxedStrategy<ServiceSpec> {
    (
        prop::option::of(update_config()),
        prop::option::of(update_config()),
        healthcheck(),
        prop_oneof![Just(None), (0u64..40_000).prop_map(Some)],
        restart_policy(),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            move |(update, rollback, healthcheck, grace, restart, networked, host_ports)| {
                ServiceSpec {
                    mode,
                    update_config: update,
                    rollback_config: rollback,
                    healthcheck,
                    stop_grace_period_ms: grace,
                    restart_policy: restart,
                    networked,
                    host_mode_ports: host_ports,
                }
            },
        )
        .boxed()
}

fn scenario() -> BoxedStrategy<Scenario> {
    (
        prop_oneof![
            Just(HealthBehavior::Healthy),
            Just(HealthBehavior::Unhealthy),
            (0u64..20_000).prop_map(HealthBehavior::UnhealthyAfter),
        ],
        prop::option::of((0u64..20_000, prop_oneof![Just(0i32), Just(1), Just(137)])).prop_map(
            |crash| {
                crash.map(|(after_ms, exit_code)| Crash {
                    after_ms,
                    exit_code,
                })
            },
        ),
        prop_oneof![
            Just(SigtermBehavior::Die),
            Just(SigtermBehavior::Exit0),
            Just(SigtermBehavior::Ignore)
        ],
        prop::bool::weighted(0.1),
    )
        .prop_map(|(health, crash, on_sigterm, unschedulable)| Scenario {
            health,
            crash,
            on_sigterm,
            unschedulable,
        })
        .boxed()
}

fn request() -> BoxedStrategy<RolloutRequest> {
    prop_oneof![
        (0u32..9).prop_map(|replicas| ServiceMode::Replicated { replicas }),
        (1u32..4).prop_map(|nodes| ServiceMode::Global { nodes }),
    ]
    .prop_flat_map(|mode| {
        (
            service_spec(mode),
            service_spec(mode),
            prop_oneof![Just(Operation::Update), Just(Operation::Rollback)],
            scenario(),
            scenario().prop_map(|s| Scenario {
                unschedulable: false,
                ..s
            }),
            24u32..29,
            prop_oneof![Just(None), (1u32..4).prop_map(Some)],
            prop::bool::weighted(0.9),
        )
    })
    .prop_map(
        |(from, to, operation, scenario, from_behavior, engine, nodes, changed)| RolloutRequest {
            from,
            to,
            operation,
            scenario,
            from_behavior,
            timing: Timing {
                horizon_ms: 600_000,
                ..Timing::default()
            },
            engine_major_version: engine,
            nodes,
            task_spec_changed: changed,
        },
    )
    .boxed()
}

/// Largest number of workers any pass of `plan` ran with.
fn max_workers(plan: &RolloutPlan) -> u32 {
    plan.events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::UpdaterStarted { workers, .. } => Some(workers),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

proptest! {
    // 256 cases by default; set PROPTEST_CASES for a longer search. Failures are not
    // persisted to files: a found case becomes an explicit test instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Same input, same output; the simulation ends within its bounds.
    #[test]
    fn deterministic_and_bounded(request in request()) {
        let plan = simulate(&request).expect("modes match");
        prop_assert_eq!(&plan, &simulate(&request).expect("modes match"));
        prop_assert!(plan.simulated_until_ms <= request.timing.horizon_ms);
        prop_assert!(plan.events.len() < 200_000, "{} events", plan.events.len());
        prop_assert!(plan.events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "events out of order");
        prop_assert!(plan.capacity.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "capacity out of order");
    }

    /// Only tasks with a live container serve, and serving never exceeds the replicas plus
    /// the extra tasks the updater's workers start (start-first) and restart duplicates
    /// created in slots a rollback had already snapshotted (§3.4 step 4).
    #[test]
    fn capacity_is_bounded(request in request()) {
        let plan = simulate(&request).expect("modes match");
        prop_assert!(plan.capacity.iter().all(|p| p.healthy <= p.containers), "healthy without container");
        let slots = request.from.mode.slot_count().max(request.to.mode.slot_count());
        let bound = slots + max_workers(&plan) + plan.tasks_created_by_restart;
        prop_assert!(plan.max_healthy <= bound, "max healthy {} > {}", plan.max_healthy, bound);
        if plan.tasks_created_by_restart == 0 {
            prop_assert!(plan.max_healthy <= slots + max_workers(&plan));
        }
        prop_assert!(plan.min_healthy <= plan.max_healthy);
    }

    /// A completed update touched every slot, and leaves none on the old spec unless a new
    /// task failed there (start-first keeps the old task when the new one never ran, §3.4);
    /// the plan then warns about it.
    #[test]
    fn completed_means_every_slot_runs_the_new_spec(request in request()) {
        let plan = simulate(&request).expect("modes match");
        if plan.outcome == Outcome::Completed && plan.final_spec == SpecSide::To {
            let mut kept_old = false;
            for slot in 1..=request.to.mode.slot_count() {
                let in_slot = || plan.tasks.iter().filter(|t| t.slot == slot);
                prop_assert!(in_slot().any(|t| t.spec == SpecSide::To), "slot {} has no new task", slot);
                let old_running = in_slot()
                    .any(|t| t.spec == SpecSide::From && t.stop_requested_at_ms.is_none() && t.ended_at_ms.is_none());
                let new_failed = in_slot().any(|t| {
                    t.spec == SpecSide::To && matches!(t.end_state, Some(EndState::Failed | EndState::Complete))
                });
                prop_assert!(!old_running || new_failed, "slot {} still runs the old spec", slot);
                kept_old |= old_running;
            }
            prop_assert_eq!(kept_old, plan.warnings.iter().any(|w| w.kind == WarningKind::OldTasksKept));
        }
    }

    /// Once a pass writes `paused`, it hands out no further slot.
    #[test]
    fn paused_hands_out_nothing_more(request in request()) {
        let plan = simulate(&request).expect("modes match");
        let mut current_pass = 0;
        let mut paused_pass = None;
        for event in &plan.events {
            match &event.kind {
                EventKind::UpdaterStarted { pass, .. } => current_pass = *pass,
                EventKind::Status { state: UpdateState::Paused | UpdateState::RollbackPaused, .. } => {
                    paused_pass = Some(current_pass);
                }
                EventKind::SlotTaken { pass, slot } => {
                    prop_assert!(paused_pass != Some(*pass), "pass {} took slot {} after pausing", pass, slot);
                }
                _ => {}
            }
        }
    }

    /// Status writes follow Swarm's state machine.
    #[test]
    fn status_sequence_is_valid(request in request()) {
        let plan = simulate(&request).expect("modes match");
        if let Some(first) = plan.status_changes.first() {
            let expected = match request.operation {
                Operation::Update => UpdateState::Updating,
                Operation::Rollback => UpdateState::RollbackStarted,
            };
            prop_assert_eq!(first.state, expected);
        }
        for pair in plan.status_changes.windows(2) {
            let allowed = match pair[0].state {
                UpdateState::Updating => matches!(
                    pair[1].state,
                    UpdateState::Paused | UpdateState::Completed | UpdateState::RollbackStarted
                ),
                UpdateState::RollbackStarted => matches!(
                    pair[1].state,
                    UpdateState::RollbackPaused | UpdateState::RollbackCompleted
                ),
                // The "never roll back a rollback" branch keeps the updater running.
                UpdateState::RollbackPaused => matches!(pair[1].state, UpdateState::Paused | UpdateState::Completed),
                UpdateState::Completed | UpdateState::RollbackCompleted => {
                    matches!(pair[1].state, UpdateState::Paused | UpdateState::Completed | UpdateState::RollbackStarted)
                }
                UpdateState::Paused => matches!(pair[1].state, UpdateState::Completed),
            };
            prop_assert!(allowed, "{:?} -> {:?}", pair[0].state, pair[1].state);
        }
    }

    /// Requests survive a JSON round trip, and scenarios their string form.
    #[test]
    fn request_json_round_trip(request in request()) {
        let json = serde_json::to_string(&request).expect("serializable");
        let back: RolloutRequest = serde_json::from_str(&json).expect("deserializable");
        prop_assert_eq!(back, request.clone());
        prop_assert_eq!(Scenario::parse(&request.scenario.to_string()), Ok(request.scenario));
    }

    /// Scenario parsing never panics on arbitrary text.
    #[test]
    fn scenario_parse_never_panics(text in ".{0,40}") {
        let _ = Scenario::parse(&text);
    }
}

/// Any numbers at all, including zero latencies, `u64::MAX` durations and NaN ratios.
fn extreme_request() -> BoxedStrategy<RolloutRequest> {
    let duration = || prop_oneof![Just(0u64), Just(1), Just(u64::MAX), any::<u64>()];
    let config = (0u64..3, duration(), duration(), any::<f32>()).prop_map(
        |(parallelism, delay_ms, monitor, ratio)| UpdateConfig {
            parallelism,
            delay_ms,
            monitor_ms: Some(monitor),
            max_failure_ratio: ratio,
            ..UpdateConfig::default()
        },
    );
    let healthcheck = (duration(), duration(), any::<u32>(), duration(), duration()).prop_map(
        |(interval, timeout, retries, start_period, start_interval)| Healthcheck {
            test: HealthTest::Present,
            interval_ms: Some(interval),
            timeout_ms: Some(timeout),
            retries: Some(retries),
            start_period_ms: Some(start_period),
            start_interval_ms: Some(start_interval),
        },
    );
    let timing = (
        duration(),
        duration(),
        duration(),
        duration(),
        duration(),
        0u64..120_000,
        duration(),
    )
        .prop_map(
            |(
                start_new_ms,
                start_ready_ms,
                gossip_delay_ms,
                sigterm_exit_ms,
                probe_ms,
                observe,
                stop_order_delay_ms,
            )| Timing {
                start_new_ms,
                start_ready_ms,
                gossip_delay_ms,
                stop_order_delay_ms,
                sigterm_exit_ms,
                probe_ms,
                // Spacing derived from the stop-order delay keeps the tuple within proptest's
                // arity; any value is valid.
                start_spacing_ms: stop_order_delay_ms / 4,
                // Likewise derived (from the probe duration), so contention is exercised.
                start_concurrent_ms: probe_ms / 2,
                observe_after_end_ms: observe,
                horizon_ms: 600_000,
            },
        );
    (
        0u32..4,
        config.clone(),
        config,
        healthcheck,
        prop::option::of(duration()),
        prop::option::of(duration()),
        timing,
        scenario(),
    )
        .prop_map(
            |(replicas, update, rollback, healthcheck, grace, restart_delay, timing, scenario)| {
                let spec = ServiceSpec {
                    mode: ServiceMode::Replicated { replicas },
                    update_config: Some(update),
                    rollback_config: Some(rollback),
                    healthcheck: Some(healthcheck),
                    stop_grace_period_ms: grace,
                    restart_policy: Some(RestartPolicy {
                        delay_ms: restart_delay,
                        ..RestartPolicy::default()
                    }),
                    ..ServiceSpec::default()
                };
                RolloutRequest {
                    timing,
                    ..RolloutRequest::new(spec.clone(), spec, scenario)
                }
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// No input makes the simulator panic or run past its bounds.
    #[test]
    fn extreme_values_never_panic(request in extreme_request()) {
        let plan = simulate(&request).expect("modes match");
        prop_assert!(plan.simulated_until_ms <= request.timing.horizon_ms);
        prop_assert!(plan.capacity.iter().all(|p| p.healthy <= p.containers));
    }
}
