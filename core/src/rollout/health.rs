//! Healthcheck probe timing, as the engine's health monitor runs it.
//!
//! Source: moby/moby `daemon/health.go` (`monitor`, `handleProbeResult`):
//! * The first wait runs from container start; each later wait runs from the end of the
//!   previous probe (after its result was handled).
//! * The wait is `interval` once `since(start) >= start_period` (checked at the end of the
//!   previous probe), else `start_interval` while the status is still `starting`, else
//!   `interval` (`getInterval`).
//! * A pass sets the status to `healthy` at once, even inside the start period.
//! * A failure while `starting` of a probe that *started* less than `start_period` after the
//!   container is ignored; any other failure increments the streak, and `streak >= retries`
//!   makes the status `unhealthy`.
//! * A probe that runs longer than `timeout` fails (exit -1).
//!
//! Instead of stepping through every probe, [`next_change`] jumps straight to the next
//! status *change*, in O(1): probes that change nothing (passes while healthy, ignored
//! failures in the start period) are skipped arithmetically. The application's answer is
//! monotone (pass before `fails_from`, fail from then on), which makes the jumps exact.

use super::spec::{HealthTest, Healthcheck};
use super::time::Millis;
use super::timing::effective_start_interval;

use super::time::{
    DEFAULT_HEALTH_INTERVAL_MS as DEFAULT_INTERVAL_MS, DEFAULT_HEALTH_RETRIES as DEFAULT_RETRIES,
    DEFAULT_HEALTH_TIMEOUT_MS as DEFAULT_TIMEOUT_MS,
};

/// A healthcheck with the engine defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ProbePlan {
    interval: Millis,
    start_interval: Millis,
    start_period: Millis,
    retries: u32,
    /// Time one probe takes: the probe duration, cut at the timeout.
    probe_duration: Millis,
    /// True when the probe takes longer than the timeout, so every probe fails.
    always_times_out: bool,
}

/// The health status of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HealthStatus {
    Starting,
    Healthy,
    Unhealthy,
}

/// Where the health monitor stands, relative to container start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ProbeCursor {
    /// End of the last probe (0 before the first probe: the first wait runs from start).
    last_end: Millis,
    status: HealthStatus,
    streak: u32,
}

impl ProbeCursor {
    /// The state right after container start (`initHealthMonitor`).
    pub(super) fn at_start() -> Self {
        Self {
            last_end: 0,
            status: HealthStatus::Starting,
            streak: 0,
        }
    }
}

/// A status change and when it happens (relative to container start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HealthChange {
    pub(super) at: Millis,
    pub(super) status: HealthStatus,
    pub(super) cursor: ProbeCursor,
}

impl ProbePlan {
    /// Resolves a healthcheck; `None` when there is no probe (no healthcheck or `NONE`).
    pub(super) fn resolve(
        healthcheck: Option<&Healthcheck>,
        engine_major_version: u32,
        probe_ms: Millis,
    ) -> Option<Self> {
        let hc = healthcheck?;
        if hc.test == HealthTest::None {
            return None;
        }
        let nonzero = |v: Option<Millis>| v.filter(|&ms| ms != 0);
        let interval = nonzero(hc.interval_ms).unwrap_or(DEFAULT_INTERVAL_MS);
        let timeout = nonzero(hc.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS);
        let retries = hc.retries.filter(|&r| r != 0).unwrap_or(DEFAULT_RETRIES);
        let start_period = hc.start_period_ms.unwrap_or(0);
        let start_interval =
            effective_start_interval(engine_major_version, hc.start_interval_ms, interval);
        Some(Self {
            interval,
            start_interval,
            start_period,
            retries,
            probe_duration: probe_ms.min(timeout),
            always_times_out: probe_ms > timeout,
        })
    }

    /// The wait before the next probe, decided at the end of the previous one (`getInterval`).
    fn wait_after(&self, cursor: &ProbeCursor) -> Millis {
        if cursor.last_end >= self.start_period {
            self.interval
        } else if cursor.status == HealthStatus::Starting {
            self.start_interval
        } else {
            self.interval
        }
    }
}

/// The next health status change after `cursor`, or `None` if the status never changes again.
///
/// `fails_from`: probes starting at or after this time (relative to container start) fail;
/// `None` means every probe passes.
pub(super) fn next_change(
    plan: &ProbePlan,
    fails_from: Option<Millis>,
    cursor: ProbeCursor,
) -> Option<HealthChange> {
    let fails_from = if plan.always_times_out {
        Some(0)
    } else {
        fails_from
    };
    let step = |wait: Millis| wait.saturating_add(plan.probe_duration).max(1);
    let mut cursor = cursor;
    // Each iteration either returns or performs one arithmetic jump that leaves a state
    // from which the next iteration returns; four iterations are always enough.
    for _ in 0..8 {
        if cursor.status == HealthStatus::Unhealthy {
            return None;
        }
        let probe_start = cursor.last_end.saturating_add(plan.wait_after(&cursor));
        let probe_end = probe_start.saturating_add(plan.probe_duration);
        let passes = fails_from.is_none_or(|from| probe_start < from);
        if passes {
            if cursor.status != HealthStatus::Healthy {
                let cursor = ProbeCursor {
                    last_end: probe_end,
                    status: HealthStatus::Healthy,
                    streak: 0,
                };
                return Some(HealthChange {
                    at: probe_end,
                    status: HealthStatus::Healthy,
                    cursor,
                });
            }
            // Healthy and passing changes nothing. While healthy every wait is `interval`,
            // so probes start at probe_start + k * (interval + p): jump to the first one at
            // or after `fails_from`.
            let from = fails_from?;
            let period = step(plan.interval);
            let k = (from - probe_start).div_ceil(period);
            let first_failing_start = probe_start.saturating_add(k.saturating_mul(period));
            cursor.last_end = first_failing_start.saturating_sub(plan.interval);
            continue;
        }
        if cursor.status == HealthStatus::Starting && probe_start < plan.start_period {
            // Ignored failures inside the start period. Each waits `start_interval` after
            // the previous one while that one ended inside the period; the ignored probes
            // are exactly those starting before the period ends: K = ceil((sp - s0) / step).
            let period = step(plan.start_interval);
            let ignored = (plan.start_period - probe_start).div_ceil(period);
            let last_ignored_start =
                probe_start.saturating_add(ignored.saturating_sub(1).saturating_mul(period));
            cursor.last_end = last_ignored_start.saturating_add(plan.probe_duration);
            continue;
        }
        // A counted failure. Every later wait is `interval` (the probe ended after the
        // start period, or the status is no longer `starting`), so the remaining failures
        // needed to reach `retries` follow at a fixed step.
        let remaining = u64::from(plan.retries.saturating_sub(cursor.streak).max(1));
        let at = probe_end.saturating_add((remaining - 1).saturating_mul(step(plan.interval)));
        let cursor = ProbeCursor {
            last_end: at,
            status: HealthStatus::Unhealthy,
            streak: plan.retries,
        };
        return Some(HealthChange {
            at,
            status: HealthStatus::Unhealthy,
            cursor,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(interval: Millis, timeout: Millis, retries: u32, start_period: Millis) -> Healthcheck {
        Healthcheck {
            test: HealthTest::Present,
            interval_ms: Some(interval),
            timeout_ms: Some(timeout),
            retries: Some(retries),
            start_period_ms: Some(start_period),
            start_interval_ms: None,
        }
    }

    fn change(plan: &ProbePlan, fails_from: Option<Millis>) -> Option<(Millis, HealthStatus)> {
        next_change(plan, fails_from, ProbeCursor::at_start()).map(|c| (c.at, c.status))
    }

    /// HC-A of §8.0: healthy at +2.1, an always-failing app unhealthy at +4.2.
    #[test]
    fn hc_a() {
        let plan = ProbePlan::resolve(Some(&hc(2_000, 1_000, 2, 0)), 27, 100).expect("probe");
        assert_eq!(change(&plan, None), Some((2_100, HealthStatus::Healthy)));
        assert_eq!(
            change(&plan, Some(0)),
            Some((4_200, HealthStatus::Unhealthy))
        );
    }

    /// HC-B of §8.0 on Engine ≥ 27: first probe at +5.0, healthy +5.1, unhealthy +7.2.
    #[test]
    fn hc_b_engine_27() {
        let plan = ProbePlan::resolve(Some(&hc(2_000, 3_000, 2, 5_000)), 27, 100).expect("probe");
        assert_eq!(change(&plan, None), Some((5_100, HealthStatus::Healthy)));
        assert_eq!(
            change(&plan, Some(0)),
            Some((7_200, HealthStatus::Unhealthy))
        );
    }

    /// HC-B on older engines: healthy +2.1; probes at 2.0 and 4.1 ignored, unhealthy +8.4.
    #[test]
    fn hc_b_engine_26() {
        let plan = ProbePlan::resolve(Some(&hc(2_000, 3_000, 2, 5_000)), 26, 100).expect("probe");
        assert_eq!(change(&plan, None), Some((2_100, HealthStatus::Healthy)));
        assert_eq!(
            change(&plan, Some(0)),
            Some((8_400, HealthStatus::Unhealthy))
        );
    }

    /// Healthy first, then failing from 10 s: probes at 4.1, 6.2, 8.3 pass, 10.4 and 12.5 fail.
    #[test]
    fn unhealthy_after_jumps_to_the_first_failing_probe() {
        let plan = ProbePlan::resolve(Some(&hc(2_000, 1_000, 2, 0)), 27, 100).expect("probe");
        let first = next_change(&plan, Some(10_000), ProbeCursor::at_start()).expect("healthy");
        assert_eq!((first.at, first.status), (2_100, HealthStatus::Healthy));
        let second = next_change(&plan, Some(10_000), first.cursor).expect("unhealthy");
        assert_eq!(
            (second.at, second.status),
            (12_600, HealthStatus::Unhealthy)
        );
        assert_eq!(next_change(&plan, None, first.cursor), None);
    }

    #[test]
    fn defaults_and_timeouts() {
        let empty = Healthcheck::default();
        let plan = ProbePlan::resolve(Some(&empty), 27, 100).expect("probe");
        // interval 30 s, retries 3: healthy at 30.1, unhealthy at 30.1 + 2 * 30.1.
        assert_eq!(change(&plan, None), Some((30_100, HealthStatus::Healthy)));
        assert_eq!(
            change(&plan, Some(0)),
            Some((90_300, HealthStatus::Unhealthy))
        );
        // A probe slower than its timeout always fails, at the timeout.
        let slow = ProbePlan::resolve(Some(&hc(1_000, 50, 1, 0)), 27, 100).expect("probe");
        assert_eq!(change(&slow, None), Some((1_050, HealthStatus::Unhealthy)));
        let none = Healthcheck {
            test: HealthTest::None,
            ..Healthcheck::default()
        };
        assert_eq!(ProbePlan::resolve(Some(&none), 27, 100), None);
    }

    #[test]
    fn long_start_periods_are_jumped_not_stepped() {
        // start_interval 1 ms over a one-hour start period: millions of ignored probes.
        let check = Healthcheck {
            start_interval_ms: Some(1),
            ..hc(2_000, 1_000, 1, 3_600_000)
        };
        let plan = ProbePlan::resolve(Some(&check), 27, 100).expect("probe");
        let (at, status) = change(&plan, Some(0)).expect("unhealthy");
        assert_eq!(status, HealthStatus::Unhealthy);
        assert!((3_600_000..3_600_000 + 2_300).contains(&at), "{at}");
    }
}
