//! stackplan-core: the pure library behind stackplan.
//!
//! Invariant: this crate does no I/O. It has no filesystem, clock, threads, network or
//! randomness. Callers hand it files through [`source::FileSource`] and an environment map;
//! the same input gives byte-identical output on every platform.

pub mod api;
pub mod dotenv;
pub mod error;
pub mod fspath;
pub mod interpolate;
pub mod lint;
pub mod loader;
pub mod options;
pub mod placement;
pub mod plan;
pub mod render;
pub mod rollout;
pub mod source;
pub mod swarm;
pub mod tree;
pub mod units;
pub mod yaml;
