//! The rules, one per file, each with its documentation in the sibling `.md` file.
//!
//! Ids: `SP000` lint configuration, `SP0xx` schema (values the Swarm API rejects or
//! misreads), `SP1xx` rollout, `SP2xx` swarm (`docker stack deploy` and scheduling),
//! `SP3xx` hygiene.

pub mod invalid_lint_config;

pub mod dnsrr_with_ingress_port;
pub mod healthcheck_duration_below_minimum;
pub mod invalid_deploy_mode;
pub mod invalid_endpoint_mode;
pub mod invalid_failure_action;
pub mod invalid_restart_condition;
pub mod load_error;
pub mod negative_duration;
pub mod replicas_with_global_mode;
pub mod resources_below_minimum;
pub mod unknown_port_mode;

pub mod delay_not_below_monitor;
pub mod failure_action_continue;
pub mod failure_action_default_pause;
pub mod healthcheck_retries_zero;
pub mod healthcheck_test_none_string;
pub mod healthcheck_timeout_over_interval;
pub mod max_failure_ratio_out_of_range;
pub mod monitor_shorter_than_detection;
pub mod monitor_zero;
pub mod rollback_config_missing;
pub mod rollback_failure_action_rollback;
pub mod start_first_port_conflict;
pub mod start_period_without_start_interval;
pub mod stop_first_all_at_once;
pub mod stop_first_low_capacity;
pub mod stop_first_single_replica;
pub mod stop_grace_over_old_task_timeout;
pub mod update_without_healthcheck;

pub mod container_name_with_replicas;
pub mod host_port_replicas_exceed_nodes;
pub mod stack_deploy_deprecated_key;
pub mod stack_deploy_forbidden_key;
pub mod stack_deploy_ignored_key;
pub mod stack_deploy_unknown_key;
pub mod stack_file_version;

pub mod image_not_pinned;
pub mod no_resource_limits;
pub mod obsolete_version;

use super::context::{LintContext, Service, UpdateConfig, UpdateKind};

/// Every long-running (non-job) service with each of its update/rollback blocks that the
/// files set.
pub(crate) fn present_configs<'c, 'a: 'c>(
    cx: &'c LintContext<'a>,
) -> impl Iterator<Item = (&'c Service<'a>, UpdateConfig<'a>)> + 'c {
    cx.services()
        .iter()
        .filter(|s| s.is_rolling())
        .flat_map(|s| UpdateKind::BOTH.into_iter().map(move |k| (s, s.update(k))))
        .filter(|(_, c)| c.present())
}

/// `services.web.deploy.update_config` for messages.
pub(crate) fn config_path(service: &Service<'_>, kind: UpdateKind) -> String {
    format!("services.{}.deploy.{}", service.name, kind.key())
}
