#![doc = include_str!("monitor_shorter_than_detection.md")]

use crate::lint::context::{
    DEFAULT_STOP_GRACE, GOSSIP_DELAY, LintContext, SECOND, at, fmt_duration,
};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP109",
    name: "monitor-shorter-than-detection",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "monitor is shorter than the time a task that breaks after RUNNING needs to be seen failing",
    doc: include_str!("monitor_shorter_than_detection.md"),
    check,
};

/// How long one probe of a quick healthcheck takes, in nanoseconds: on the project's Swarm
/// (`docs/fidelity/runs/`, Engine 20.10) consecutive failed probes are `interval` + 0.04 to
/// 0.19 s apart, median 0.09 s (the simulator's default probe duration is the same 0.1 s).
pub const PROBE_NS: i64 = 100_000_000;

/// From the Engine stopping an unhealthy container (SIGTERM, after the gossip delay) to the
/// task being FAILED, for an application that exits on SIGTERM, in nanoseconds: measured
/// 0.15 to 0.69 s, median 0.3 s (`docs/fidelity/runs/`).
pub const STOP_TO_FAILED_NS: i64 = 300_000_000;

/// A healthcheck's effective timers (Engine defaults applied), in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub interval: i64,
    pub timeout: i64,
    pub retries: i64,
    pub start_period: i64,
    /// The interval during `start_period` on Engine 25 and later; `None` before (the
    /// Engine probes at `interval` throughout).
    pub start_interval: Option<i64>,
}

/// The estimated time from a task turning RUNNING (its first passing probe) to FAILED when
/// it breaks right after: `retries` failed probes, each `interval` after the previous one
/// ended and [`PROBE_NS`] long, then the gossip delay before the Engine stops the container,
/// then [`STOP_TO_FAILED_NS`]. `start_period` no longer matters: a container that was
/// healthy once counts every failed probe.
pub fn after_running(probe: &Probe) -> i64 {
    probe.retries * (probe.interval + PROBE_NS) + GOSSIP_DELAY + STOP_TO_FAILED_NS
}

/// The worst case of [`after_running`]: every probe hangs until its `timeout`, and the
/// application ignores SIGTERM, so it is killed after `stop_grace`.
pub fn worst_case(probe: &Probe, stop_grace: i64) -> i64 {
    probe.retries * (probe.interval + probe.timeout) + GOSSIP_DELAY + stop_grace
}

/// For a task that fails every probe from its start: the times from its first failed probe
/// (when it starts) to the container being unhealthy and to the task being FAILED. Probes
/// start `interval` (or `start_interval` while the container is in its `start_period`)
/// after the previous one ended; a failed probe that starts within `start_period` is not
/// counted (moby/moby `daemon/health.go`, `handleProbeResult`), so the container turns
/// unhealthy when the `retries`-th counted probe ends.
pub fn from_first_failed_probe(probe: &Probe) -> (i64, i64) {
    let mut ended = 0; // the previous probe's end, from the container's start
    let mut first = None;
    let mut counted = 0;
    loop {
        let wait = match probe.start_interval {
            Some(start_interval) if ended < probe.start_period => start_interval,
            _ => probe.interval,
        };
        let start = ended + wait;
        ended = start + PROBE_NS;
        let first = *first.get_or_insert(start);
        if start >= probe.start_period {
            counted += 1;
        }
        if counted >= probe.retries.max(1) {
            let unhealthy = ended - first;
            return (unhealthy, unhealthy + GOSSIP_DELAY + STOP_TO_FAILED_NS);
        }
    }
}

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        if config.failure_action() == "continue" {
            continue;
        }
        let health = service.health();
        if !health.active() {
            continue;
        }
        let probe = Probe {
            interval: health.interval(),
            timeout: health.timeout(),
            retries: health.retries(),
            start_period: 0,
            start_interval: None,
        };
        let (grace, grace_text) = match service.stop_grace() {
            Some((g, _)) => (g.max(0), format!("stop_grace_period {}", fmt_duration(g))),
            None => (DEFAULT_STOP_GRACE, "the default stop grace 10s".to_owned()),
        };
        let detection = after_running(&probe);
        let monitor = config.monitor();
        if monitor >= detection {
            continue;
        }
        let worst = worst_case(&probe, grace);
        let suggested = (detection + SECOND - 1) / SECOND * SECOND;
        let written = config
            .field("monitor")
            .filter(|(_, v)| crate::lint::context::duration(v).is_some_and(|d| d != 0));
        let (origin, what) = match written {
            Some((_, node)) => (at(node), format!("`monitor: {}`", fmt_duration(monitor))),
            None => (
                config.key_origin(),
                format!("`{}` has no `monitor`, so 5s, which", config.kind.key()),
            ),
        };
        let d = Diagnostic::new(
            &RULE,
            origin,
            format!(
                "{what} is shorter than the {} a new task needs to be seen failing after it turned RUNNING (retries {} × (interval {} + a {} probe) + the 2s stop delay + {} to exit and be marked FAILED): a task that breaks after its first healthy probe is not counted, and the {} completes",
                fmt_duration(detection),
                probe.retries,
                fmt_duration(probe.interval),
                fmt_duration(PROBE_NS),
                fmt_duration(STOP_TO_FAILED_NS),
                config.kind.noun()
            ),
        )
        .service(service.name)
        .help(format!(
            "monitor is a per-task failure window counted from RUNNING plus one final wait, not a pause between batches; probes that hang until their timeout {} and an application that ignores SIGTERM ({grace_text}) stretch detection to {}",
            fmt_duration(probe.timeout),
            fmt_duration(worst)
        ));
        let d = match written {
            Some((_, node)) => d.replace(
                format!("use `monitor: {}`", fmt_duration(suggested)),
                at(node),
                fmt_duration(suggested),
            ),
            None => d.suggest(
                format!(
                    "add `monitor: {}` to `{}`",
                    fmt_duration(suggested),
                    config.kind.key()
                ),
                origin,
            ),
        };
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = SECOND;

    fn probe(interval: i64, retries: i64, start_period: i64) -> Probe {
        Probe {
            interval,
            timeout: S,
            retries,
            start_period,
            start_interval: None,
        }
    }

    #[test]
    fn detection_after_running_is_retries_probe_cycles_and_the_stop() {
        // HC-A (interval 2s, retries 2): 2 × 2.1 s + 2 s + 0.3 s.
        assert_eq!(after_running(&probe(2 * S, 2, 0)), 6_500_000_000);
        // The old estimate's worst case: 2 × (2 + 1) + 2 + 10.
        assert_eq!(worst_case(&probe(2 * S, 2, 0), 10 * S), 18 * S);
    }

    #[test]
    fn start_period_failures_do_not_count() {
        // HC-B (interval 2s, retries 2, start_period 5s): probes start at 2, 4.1, 6.2, 8.3 s;
        // the first two are in the start period, the fourth makes it unhealthy at 8.4 s.
        let (unhealthy, failed) = from_first_failed_probe(&probe(2 * S, 2, 5 * S));
        assert_eq!(unhealthy, 6_400_000_000);
        assert_eq!(failed, 8_700_000_000);
        // Engine 25+: probes every start_interval (1 s) during the start period.
        let p = Probe {
            start_interval: Some(S),
            ..probe(2 * S, 2, 5 * S)
        };
        // 1, 2.1, 3.2, 4.3 (in the period), 5.4 (counted), 7.5 (counted, ends 7.6).
        assert_eq!(from_first_failed_probe(&p).0, 6_600_000_000);
    }
}
