//! The list of every rule, in id order, and lookup by id or name.

use super::rule::Rule;
use super::rules::*;

/// Every rule, sorted by id. `stackplan lint --list-rules` prints them in this order.
pub static RULES: &[&Rule] = &[
    &invalid_lint_config::RULE,
    &invalid_restart_condition::RULE,
    &invalid_failure_action::RULE,
    &invalid_deploy_mode::RULE,
    &replicas_with_global_mode::RULE,
    &invalid_endpoint_mode::RULE,
    &dnsrr_with_ingress_port::RULE,
    &unknown_port_mode::RULE,
    &resources_below_minimum::RULE,
    &healthcheck_duration_below_minimum::RULE,
    &negative_duration::RULE,
    &load_error::RULE,
    &start_first_port_conflict::RULE,
    &stop_first_low_capacity::RULE,
    &stop_first_all_at_once::RULE,
    &stop_first_single_replica::RULE,
    &failure_action_default_pause::RULE,
    &failure_action_continue::RULE,
    &rollback_failure_action_rollback::RULE,
    &monitor_zero::RULE,
    &monitor_shorter_than_detection::RULE,
    &update_without_healthcheck::RULE,
    &rollback_config_missing::RULE,
    &max_failure_ratio_out_of_range::RULE,
    &delay_not_below_monitor::RULE,
    &stop_grace_over_old_task_timeout::RULE,
    &healthcheck_timeout_over_interval::RULE,
    &healthcheck_retries_zero::RULE,
    &start_period_without_start_interval::RULE,
    &healthcheck_test_none_string::RULE,
    &stack_deploy_forbidden_key::RULE,
    &stack_deploy_ignored_key::RULE,
    &stack_deploy_deprecated_key::RULE,
    &container_name_with_replicas::RULE,
    &host_port_replicas_exceed_nodes::RULE,
    &stack_file_version::RULE,
    &stack_deploy_unknown_key::RULE,
    &obsolete_version::RULE,
    &image_not_pinned::RULE,
    &no_resource_limits::RULE,
];

/// A rule by id (`SP101`, case-insensitive) or name (`start-first-port-conflict`).
pub fn find_rule(id_or_name: &str) -> Option<&'static Rule> {
    let wanted = id_or_name.trim();
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(wanted) || r.name == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique_sorted_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        let mut previous = "";
        for rule in RULES {
            assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(rule.id > previous, "{} is out of order", rule.id);
            previous = rule.id;
            assert!(
                rule.id.len() == 5
                    && rule.id.starts_with("SP")
                    && rule.id[2..].chars().all(|c| c.is_ascii_digit()),
                "{}",
                rule.id
            );
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.name
            );
            let heading = format!("# {} {}", rule.id, rule.name);
            assert!(rule.doc.starts_with(&heading), "{} doc heading", rule.id);
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.id);
            }
        }
        assert_eq!(
            find_rule("sp101").map(|r| r.name),
            Some("start-first-port-conflict")
        );
        assert_eq!(find_rule("monitor-zero").map(|r| r.id), Some("SP108"));
        assert!(find_rule("SP999").is_none());
    }
}
