use stackplan_core::rollout::*;

fn hc(interval: u64, timeout: u64, retries: u32, sp: u64) -> Healthcheck {
    Healthcheck {
        test: HealthTest::Present,
        interval_ms: Some(interval),
        timeout_ms: Some(timeout),
        retries: Some(retries),
        start_period_ms: Some(sp),
        start_interval_ms: None,
    }
}

#[test]
fn debug_print() {
    let scenario = std::env::var("SC").unwrap_or("healthy".into());
    let book_update = UpdateConfig {
        parallelism: 3,
        monitor_ms: Some(60_000),
        failure_action: FailureAction::Rollback,
        order: UpdateOrder::StartFirst,
        ..UpdateConfig::default()
    };
    let book_rollback = UpdateConfig {
        parallelism: 6,
        monitor_ms: None,
        failure_action: FailureAction::Continue,
        order: UpdateOrder::StartFirst,
        ..UpdateConfig::default()
    };
    let spec = ServiceSpec {
        mode: ServiceMode::Replicated { replicas: 6 },
        update_config: Some(book_update),
        rollback_config: Some(book_rollback),
        healthcheck: Some(hc(2000, 3000, 2, 5000)),
        ..ServiceSpec::default()
    };
    let req = RolloutRequest {
        from: spec.clone(),
        to: spec,
        operation: Operation::Update,
        scenario: Scenario::parse(&scenario).unwrap(),
        from_behavior: Scenario::default(),
        timing: Timing::default(),
        engine_major_version: 27,
        nodes: None,
        task_spec_changed: true,
    };
    let plan = simulate(&req).unwrap();
    for e in &plan.events {
        println!(
            "{:>8.1} {}",
            e.at_ms as f64 / 1000.0,
            serde_json::to_string(&e.kind).unwrap()
        );
    }
    println!(
        "outcome {:?} min {} max {} cont {} created {}",
        plan.outcome, plan.min_healthy, plan.max_healthy, plan.max_containers, plan.tasks_created
    );
    for w in &plan.warnings {
        println!("W {:?}", w);
    }
    for n in &plan.notes {
        println!("N {:?}", n);
    }
}
