//! Quick, criterion-free timing of the rollout simulator on a 1,000-replica service.
//!
//! Budget (brief §5): a failing release and its rollback simulate in well under 5 ms.
//! Run in release mode and read the printed numbers:
//!
//! ```text
//! cargo test --release -p stackplan-core --bench rollout_perf -- --nocapture
//! ```
//!
//! The tests assert what each run must produce, never how long it takes: timings vary by
//! machine, so they are reported, not enforced.

use std::time::Instant;

use stackplan_core::rollout::{
    FailureAction, HealthTest, Healthcheck, Operation, Outcome, RolloutPlan, RolloutRequest,
    Scenario, ServiceMode, ServiceSpec, Timing, UpdateConfig, UpdateOrder, simulate,
};

fn healthcheck() -> Healthcheck {
    Healthcheck {
        test: HealthTest::Present,
        interval_ms: Some(2_000),
        timeout_ms: Some(3_000),
        retries: Some(2),
        start_period_ms: Some(5_000),
        start_interval_ms: None,
    }
}

fn request(update: UpdateConfig, rollback: UpdateConfig, scenario: &str) -> RolloutRequest {
    let spec = ServiceSpec {
        mode: ServiceMode::Replicated { replicas: 1_000 },
        update_config: Some(update),
        rollback_config: Some(rollback),
        healthcheck: Some(healthcheck()),
        ..ServiceSpec::default()
    };
    RolloutRequest {
        from: spec.clone(),
        to: spec,
        operation: Operation::Update,
        scenario: Scenario::parse(scenario).expect("valid scenario"),
        from_behavior: Scenario::default(),
        timing: Timing::default(),
        engine_major_version: 27,
        nodes: None,
        task_spec_changed: true,
    }
}

/// Runs `request` repeatedly and prints the mean time per simulation.
fn time(name: &str, request: &RolloutRequest) -> RolloutPlan {
    let iterations = if cfg!(debug_assertions) { 3 } else { 200 };
    let plan = simulate(request).expect("valid request");
    let start = Instant::now();
    for _ in 0..iterations {
        let again = simulate(request).expect("valid request");
        assert_eq!(again.events.len(), plan.events.len());
    }
    let mean = start.elapsed() / iterations;
    println!(
        "{name}: {mean:?} per simulation ({} events, {} tasks created)",
        plan.events.len(),
        plan.tasks_created
    );
    plan
}

#[test]
fn rollout_perf_1000_replicas_failure_and_rollback() {
    // The book's configuration (parallelism 3, start-first, rollback) on 1,000 replicas:
    // the first three new tasks fail and the rollback needs no new task.
    let book = UpdateConfig {
        parallelism: 3,
        monitor_ms: Some(60_000),
        failure_action: FailureAction::Rollback,
        order: UpdateOrder::StartFirst,
        ..UpdateConfig::default()
    };
    let book_rollback = UpdateConfig {
        parallelism: 6,
        failure_action: FailureAction::Continue,
        order: UpdateOrder::StartFirst,
        ..UpdateConfig::default()
    };
    let plan = time(
        "book config, unhealthy",
        &request(book, book_rollback, "unhealthy"),
    );
    assert_eq!(plan.outcome, Outcome::RolledBack);

    // All 1,000 slots at once, start-first: the old tasks are gone when the new ones crash
    // 8 s after start, so the rollback must create 1,000 tasks (all at once, stop-first).
    let update = UpdateConfig {
        parallelism: 0,
        monitor_ms: Some(60_000),
        failure_action: FailureAction::Rollback,
        order: UpdateOrder::StartFirst,
        ..UpdateConfig::default()
    };
    let rollback = UpdateConfig {
        parallelism: 0,
        ..UpdateConfig::default()
    };
    let plan = time(
        "crash-after=8s, rollback of 1000 slots",
        &request(update, rollback, "crash-after=8s:1"),
    );
    assert_eq!(plan.outcome, Outcome::RolledBack);
    assert!(
        plan.rollback
            .as_ref()
            .is_some_and(|r| r.tasks_created > 500)
    );

    // Every slot at once, stop-first, never healthy: pause after the first failure.
    let all_at_once = UpdateConfig {
        parallelism: 0,
        ..UpdateConfig::default()
    };
    let plan = time(
        "unhealthy, parallelism 0, pause",
        &request(all_at_once, UpdateConfig::default(), "unhealthy"),
    );
    assert_eq!(plan.outcome, Outcome::Paused);

    // 50 slots at a time with a 50 % failure ratio; the rollback continues on failures.
    let slow = UpdateConfig {
        parallelism: 50,
        max_failure_ratio: 0.5,
        failure_action: FailureAction::Rollback,
        ..UpdateConfig::default()
    };
    let rollback = UpdateConfig {
        parallelism: 10,
        failure_action: FailureAction::Continue,
        ..UpdateConfig::default()
    };
    let plan = time(
        "unhealthy, parallelism 50, ratio 0.5",
        &request(slow, rollback, "unhealthy"),
    );
    assert_eq!(plan.outcome, Outcome::RolledBack);
}
