//! `stackplan calibrate`'s analysis: the task and container timestamps a calibration run
//! observed on a Swarm, turned into a timing profile (the `[timing]` table `plan` reads).
//!
//! The shell (`cli/src/calibrate.rs`) deploys a probe service, updates it, and collects for
//! every task its creation time and its container's start, SIGTERM and exit times; this
//! module only computes. What each latency is measured as:
//!
//! | profile key | measured as |
//! |---|---|
//! | `start-latency` | task created → container start, for a task created alone (median) |
//! | `start-concurrent` | how much later the first container of a batch of `n` tasks created together starts than one alone, per extra task (least squares over the batch sizes measured) |
//! | `start-spacing` | time between consecutive container starts of one batch (median) |
//! | `ready-latency` | stop-first: old container exit → start of its prepared replacement |
//! | `stop-order-delay` | stop-first: replacement created (the stop order) → SIGTERM of the old container, minus the 2 s gossip sleep of networked tasks |
//! | `sigterm-exit` | SIGTERM → exit of the old container |
//! | `probe-duration` | one healthcheck probe (`State.Health.Log[]` start → end, median) |

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Tasks created within this much of each other were created by one updater step.
const BATCH_WINDOW_NS: i64 = 50_000_000;
/// `defaultGossipConvergeDelay`: the agent sleeps this long before stopping a networked task.
const GOSSIP_MS: f64 = 2_000.0;

/// One task a calibration step created or replaced, with its container's times (Unix ns).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskTimes {
    pub id: String,
    pub slot: u64,
    /// The task's `CreatedAt`.
    pub created_ns: i64,
    /// The container's `State.StartedAt`.
    pub started_ns: Option<i64>,
    /// The first `kill` event of the container (the SIGTERM of a stop).
    pub kill_ns: Option<i64>,
    /// The container's `State.FinishedAt`.
    pub finished_ns: Option<i64>,
}

/// The update order of a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOrder {
    /// New tasks start while the old ones run (or a scale-up: no old task).
    #[default]
    StartFirst,
    /// Old tasks are stopped first; the new ones start once they exited.
    StopFirst,
}

/// One update (or scale) of the probe service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObservedStep {
    pub order: StepOrder,
    /// The tasks the step created.
    pub created: Vec<TaskTimes>,
    /// The tasks it replaced (matched to the new ones by slot).
    pub replaced: Vec<TaskTimes>,
}

/// One healthcheck probe (Unix ns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeTimes {
    pub start_ns: i64,
    pub end_ns: i64,
}

/// Everything a calibration run observed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Observations {
    pub steps: Vec<ObservedStep>,
    pub probes: Vec<ProbeTimes>,
    /// The probe service's tasks were attached to a non-bridge network (the agent then
    /// sleeps 2 s before a stop, which `stop-order-delay` does not include).
    pub networked: bool,
}

/// One measured latency: the value (ms) and the samples it came from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub ms: u64,
    pub samples: usize,
}

/// The timing profile a calibration measured; `None`: not measured (the default stays).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub start_latency: Option<Measured>,
    pub start_concurrent: Option<Measured>,
    pub start_spacing: Option<Measured>,
    pub ready_latency: Option<Measured>,
    pub stop_order_delay: Option<Measured>,
    pub sigterm_exit: Option<Measured>,
    pub probe_duration: Option<Measured>,
    /// Median latency (task created → container start) of the first container of a batch,
    /// by batch size: how start latency grows with containers starting at once.
    pub first_start_by_batch: BTreeMap<usize, Measured>,
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn measured(values: &[f64]) -> Option<Measured> {
    median(values).map(|m| Measured {
        ms: m.max(0.0).round() as u64,
        samples: values.len(),
    })
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

/// Turns a run's observations into a timing profile.
pub fn analyze(observations: &Observations) -> Calibration {
    let mut first_by_batch: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    let mut spacing = Vec::new();
    let mut ready = Vec::new();
    let mut stop_order = Vec::new();
    let mut sigterm_exit = Vec::new();
    for step in &observations.steps {
        let mut created: Vec<&TaskTimes> = step.created.iter().collect();
        created.sort_by_key(|t| t.created_ns);
        match step.order {
            StepOrder::StartFirst => {
                let mut i = 0;
                while i < created.len() {
                    let mut j = i;
                    while j + 1 < created.len()
                        && created[j + 1].created_ns - created[i].created_ns < BATCH_WINDOW_NS
                    {
                        j += 1;
                    }
                    let batch = &created[i..=j];
                    let mut starts: Vec<(i64, i64)> = batch
                        .iter()
                        .filter_map(|t| t.started_ns.map(|s| (s, t.created_ns)))
                        .collect();
                    starts.sort_unstable();
                    // A batch is usable only if every container of it started.
                    if starts.len() == batch.len()
                        && let Some(&(start, created_ns)) = starts.first()
                    {
                        first_by_batch
                            .entry(batch.len())
                            .or_default()
                            .push(ms(start - created_ns));
                        spacing.extend(starts.windows(2).map(|w| ms(w[1].0 - w[0].0)));
                    }
                    i = j + 1;
                }
            }
            StepOrder::StopFirst => {
                for new in &created {
                    let Some(old) = step.replaced.iter().find(|o| o.slot == new.slot) else {
                        continue;
                    };
                    if let (Some(kill), Some(exit)) = (old.kill_ns, old.finished_ns) {
                        let gossip = if observations.networked {
                            GOSSIP_MS
                        } else {
                            0.0
                        };
                        stop_order.push((ms(kill - new.created_ns) - gossip).max(0.0));
                        sigterm_exit.push(ms(exit - kill));
                        if let Some(start) = new.started_ns {
                            ready.push(ms(start - exit));
                        }
                    }
                }
            }
        }
    }
    let probes: Vec<f64> = observations
        .probes
        .iter()
        .map(|p| ms(p.end_ns - p.start_ns))
        .collect();
    let by_batch: BTreeMap<usize, Measured> = first_by_batch
        .iter()
        .filter_map(|(&n, v)| measured(v).map(|m| (n, m)))
        .collect();
    let start_latency = by_batch.get(&1).copied();
    // Least squares through the alone latency: first(n) - alone = c × (n - 1).
    let start_concurrent = start_latency.and_then(|alone| {
        let (mut num, mut den, mut samples) = (0.0, 0.0, 0);
        for (&n, m) in by_batch.range(2..) {
            let extra = (n - 1) as f64;
            num += extra * (m.ms as f64 - alone.ms as f64);
            den += extra * extra;
            samples += m.samples;
        }
        (den > 0.0).then(|| Measured {
            ms: (num / den).max(0.0).round() as u64,
            samples,
        })
    });
    Calibration {
        start_latency,
        start_concurrent,
        start_spacing: measured(&spacing),
        ready_latency: measured(&ready),
        stop_order_delay: measured(&stop_order),
        sigterm_exit: measured(&sigterm_exit),
        probe_duration: measured(&probes),
        first_start_by_batch: by_batch,
    }
}

impl Calibration {
    /// The profile as `plan` takes it (every measured latency set, the rest unset).
    pub fn timing(&self) -> super::TimingInput {
        let d = |m: &Option<Measured>| m.map(|m| format!("{}ms", m.ms));
        super::TimingInput {
            start_latency: d(&self.start_latency),
            start_concurrent: d(&self.start_concurrent),
            start_spacing: d(&self.start_spacing),
            ready_latency: d(&self.ready_latency),
            stop_order_delay: d(&self.stop_order_delay),
            sigterm_exit: d(&self.sigterm_exit),
            probe_duration: d(&self.probe_duration),
        }
    }

    /// The timing profile file: a `[calibration]` table saying where and how it was
    /// measured (`about`: key → text, from the shell), then `[timing]`.
    pub fn profile_toml(&self, about: &BTreeMap<String, String>) -> String {
        // A JSON string is a valid TOML basic string (same escapes).
        let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let mut out = String::from(
            "# Timing profile written by `stackplan calibrate`; `plan --timing FILE` reads it,\n# and its [timing] table can go into .stackplan.toml as it is.\n\n[calibration]\n",
        );
        for (key, value) in about {
            let _ = writeln!(out, "{key} = {}", quote(value));
        }
        let rows = [
            ("start-latency", &self.start_latency),
            ("start-concurrent", &self.start_concurrent),
            ("start-spacing", &self.start_spacing),
            ("ready-latency", &self.ready_latency),
            ("stop-order-delay", &self.stop_order_delay),
            ("sigterm-exit", &self.sigterm_exit),
            ("probe-duration", &self.probe_duration),
        ];
        let counts: Vec<String> = rows
            .iter()
            .filter_map(|(k, m)| m.map(|m| format!("{k} = {}", m.samples)))
            .collect();
        let _ = writeln!(out, "samples = {{ {} }}", counts.join(", "));
        let batches: Vec<String> = self
            .first_start_by_batch
            .iter()
            .map(|(n, m)| format!("\"{n}\" = {}", m.ms))
            .collect();
        let _ = writeln!(
            out,
            "# task created -> first container start (ms), by tasks created at once\nfirst-start-ms-by-batch = {{ {} }}",
            batches.join(", ")
        );
        out.push_str("\n[timing]\n");
        for (key, m) in rows {
            match m {
                Some(m) => {
                    let _ = writeln!(out, "{key} = \"{}ms\"", m.ms);
                }
                None => {
                    let _ = writeln!(out, "# {key}: not measured (the default applies)");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000; // 1 s in ns
    const MS: i64 = 1_000_000;

    fn task(slot: u64, created: i64, started: Option<i64>) -> TaskTimes {
        TaskTimes {
            id: format!("t{slot}-{created}"),
            slot,
            created_ns: created,
            started_ns: started,
            ..TaskTimes::default()
        }
    }

    fn start_first(tasks: Vec<TaskTimes>) -> ObservedStep {
        ObservedStep {
            order: StepOrder::StartFirst,
            created: tasks,
            replaced: Vec::new(),
        }
    }

    #[test]
    fn alone_and_batched_starts_give_latency_contention_and_spacing() {
        // Issue 10's numbers: 540 ms alone; the first of 2 at 1000 ms, the first of 6 at
        // 1750 ms (c fitted over both), 200 ms between the starts of one batch.
        let batch = |t0: i64, n: u64, first_ms: i64| {
            (0..n)
                .map(|k| {
                    task(
                        k + 1,
                        t0 + k as i64 * MS,
                        Some(t0 + (first_ms + 200 * k as i64) * MS),
                    )
                })
                .collect::<Vec<_>>()
        };
        let obs = Observations {
            steps: vec![
                start_first(vec![task(1, 10 * S, Some(10 * S + 540 * MS))]),
                start_first(vec![task(1, 20 * S, Some(20 * S + 520 * MS))]),
                start_first(vec![task(1, 30 * S, Some(30 * S + 560 * MS))]),
                start_first(batch(40 * S, 2, 1_000)),
                start_first(batch(50 * S, 6, 1_750)),
            ],
            ..Observations::default()
        };
        let cal = analyze(&obs);
        assert_eq!(
            cal.start_latency,
            Some(Measured {
                ms: 540,
                samples: 3
            })
        );
        // (1 × 460 + 5 × 1210) / (1 + 25) = 250.4
        assert_eq!(
            cal.start_concurrent,
            Some(Measured {
                ms: 250,
                samples: 2
            })
        );
        assert_eq!(cal.start_spacing.map(|m| (m.ms, m.samples)), Some((200, 6)));
        assert_eq!(cal.first_start_by_batch.get(&6).map(|m| m.ms), Some(1_750));
        assert_eq!(cal.ready_latency, None);
        let timing = cal.timing();
        assert_eq!(timing.start_latency.as_deref(), Some("540ms"));
        assert_eq!(timing.start_concurrent.as_deref(), Some("250ms"));
        assert_eq!(timing.sigterm_exit, None);
    }

    #[test]
    fn tasks_created_apart_are_separate_batches_and_unstarted_batches_are_dropped() {
        let obs = Observations {
            steps: vec![
                // 100 ms apart: two batches of one.
                start_first(vec![
                    task(1, 10 * S, Some(10 * S + 500 * MS)),
                    task(2, 10 * S + 100 * MS, Some(10 * S + 700 * MS)),
                ]),
                // One of two never started: no sample.
                start_first(vec![task(1, 20 * S, Some(21 * S)), task(2, 20 * S, None)]),
            ],
            ..Observations::default()
        };
        let cal = analyze(&obs);
        assert_eq!(
            cal.start_latency,
            Some(Measured {
                ms: 550,
                samples: 2
            })
        );
        assert_eq!(cal.first_start_by_batch.len(), 1);
        assert_eq!(cal.start_concurrent, None, "no batch of more than one");
        assert_eq!(cal.start_spacing, None);
    }

    #[test]
    fn stop_first_steps_give_the_stop_path() {
        let old = TaskTimes {
            slot: 1,
            created_ns: S,
            started_ns: Some(2 * S),
            kill_ns: Some(10 * S + 1_100 * MS),
            finished_ns: Some(10 * S + 1_150 * MS),
            ..TaskTimes::default()
        };
        let new = task(1, 10 * S, Some(10 * S + 1_720 * MS));
        let step = ObservedStep {
            order: StepOrder::StopFirst,
            created: vec![new],
            replaced: vec![old, task(2, S, Some(2 * S))],
        };
        let mut obs = Observations {
            steps: vec![step],
            probes: vec![
                ProbeTimes {
                    start_ns: 0,
                    end_ns: 66 * MS,
                },
                ProbeTimes {
                    start_ns: S,
                    end_ns: S + 70 * MS,
                },
            ],
            networked: false,
        };
        let cal = analyze(&obs);
        assert_eq!(cal.stop_order_delay.map(|m| m.ms), Some(1_100));
        assert_eq!(cal.sigterm_exit.map(|m| m.ms), Some(50));
        assert_eq!(cal.ready_latency.map(|m| m.ms), Some(570));
        assert_eq!(cal.probe_duration.map(|m| m.ms), Some(68));
        assert_eq!(cal.start_latency, None, "stop-first starts are not S_new");
        // Networked: the gossip sleep is not the agent's delay.
        obs.networked = true;
        obs.steps[0].replaced[0].kill_ns = Some(10 * S + 3_100 * MS);
        obs.steps[0].replaced[0].finished_ns = Some(10 * S + 3_150 * MS);
        assert_eq!(analyze(&obs).stop_order_delay.map(|m| m.ms), Some(1_100));
    }

    #[test]
    fn the_profile_file_is_what_plan_reads() {
        let cal = Calibration {
            start_latency: Some(Measured {
                ms: 540,
                samples: 3,
            }),
            start_concurrent: Some(Measured {
                ms: 250,
                samples: 2,
            }),
            probe_duration: Some(Measured { ms: 66, samples: 9 }),
            ..Calibration::default()
        };
        let about = BTreeMap::from([("engine".to_owned(), "20.10.24 \"x\"".to_owned())]);
        let text = cal.profile_toml(&about);
        assert!(text.contains("# ready-latency: not measured"), "{text}");
        let timing = super::super::lint_config::timing_of_profile("p.toml", &text)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(timing, cal.timing());
        let resolved = timing.resolve().expect("durations");
        assert_eq!(resolved.start_new_ms, 540);
        assert_eq!(resolved.start_concurrent_ms, 250);
        assert_eq!(resolved.probe_ms, 66);
        assert_eq!(resolved.start_ready_ms, 200, "default kept");
    }
}
