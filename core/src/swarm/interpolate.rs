//! swarmkit's `defaults.InterpolateService` as seen through the Engine API: what
//! `docker service inspect` (`insertDefaults=true`) shows for a stored spec. Applying it to
//! both sides makes a stored spec and an inspected one comparable (it is idempotent).

use super::defaults;
use super::types::*;

impl ServiceSpec {
    /// This spec with every field swarmkit's `defaults.Service` fills in when it is unset.
    pub fn with_swarm_defaults(&self) -> ServiceSpec {
        let mut spec = self.clone();
        let task = &mut spec.task_template;
        if let Some(container) = task.container_spec.as_mut() {
            container
                .stop_grace_period
                .get_or_insert(defaults::STOP_GRACE_PERIOD_NS);
            container.dns_config.get_or_insert_with(DnsConfig::default);
        }
        task.resources
            .get_or_insert_with(ResourceRequirements::default);
        let restart = task.restart_policy.get_or_insert_with(|| RestartPolicy {
            condition: defaults::RESTART_CONDITION.to_owned(),
            max_attempts: Some(defaults::RESTART_MAX_ATTEMPTS),
            ..RestartPolicy::default()
        });
        restart.delay.get_or_insert(defaults::RESTART_DELAY_NS);
        task.placement.get_or_insert_with(Placement::default);
        for block in [&mut spec.update_config, &mut spec.rollback_config] {
            let config = block.get_or_insert_with(|| UpdateConfig {
                parallelism: defaults::UPDATE_PARALLELISM,
                delay: defaults::UPDATE_DELAY_NS,
                failure_action: defaults::UPDATE_FAILURE_ACTION.to_owned(),
                monitor: 0,
                max_failure_ratio: defaults::UPDATE_MAX_FAILURE_RATIO,
                order: defaults::UPDATE_ORDER.to_owned(),
            });
            if config.monitor == 0 {
                config.monitor = defaults::UPDATE_MONITOR_NS;
            }
        }
        spec
    }
}
