//! The times the maintenance preview quotes, as measured on the five-node test bed
//! (`docs/fidelity/cluster/measured.json`, `summary`: min / median / max over the recorded
//! runs, seconds). A test (`tests/placement_testbed.rs`) checks these equal the file, so they
//! move with it.

use serde::{Deserialize, Serialize};

/// A measured time: where it comes from and its spread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Measured {
    /// The key in `measured.json`'s `summary` (`drain_worker.moved`).
    pub source: String,
    pub min_s: f64,
    pub median_s: f64,
    pub max_s: f64,
    /// Runs the spread is over.
    pub runs: u32,
}

/// (key, min, median, max, runs) of the times the preview uses.
pub const TABLE: &[(&str, f64, f64, f64, u32)] = &[
    ("activate.global_back", 0.537, 0.749, 0.81, 5),
    ("demote.worker", 0.082, 0.106, 0.145, 5),
    ("drain_manager.moved", 1.798, 2.057, 2.095, 5),
    ("drain_worker.moved", 1.788, 1.827, 1.888, 5),
    ("leader_loss.election", 10.13, 12.684, 14.133, 5),
    ("leader_loss.old_leader_down", 39.136, 42.125, 43.383, 5),
    ("leader_loss.rescheduled", 44.486, 47.452, 48.762, 5),
    ("partition.rescheduled", 15.212, 16.01, 20.861, 5),
    ("partition.worker_down", 9.808, 10.448, 15.532, 5),
    ("promote.reachable", 0.723, 0.744, 0.751, 5),
    ("quorum_loss.no_leader_reported", 31.183, 36.066, 40.471, 5),
    ("rebalance.force_parallelism3", 10.697, 10.761, 11.312, 5),
];

/// The measured time named `key` (a key of [`TABLE`]).
pub fn time(key: &str) -> Measured {
    let (source, min_s, median_s, max_s, runs) = TABLE
        .iter()
        .copied()
        .find(|(k, ..)| *k == key)
        .unwrap_or((key, 0.0, 0.0, 0.0, 0));
    Measured {
        source: source.to_owned(),
        min_s,
        median_s,
        max_s,
        runs,
    }
}
