//! stackplan-core: the pure library behind stackplan.
//!
//! Invariant: this crate does no I/O. It has no filesystem, clock, threads, network or
//! randomness. Callers hand it files as name → bytes and an environment map; files it
//! discovers later (`extends`, `include`, `env_file`) are read through [`loader::FileSource`].

pub mod dotenv;
pub mod error;
pub mod interpolate;
pub mod rollout;
pub mod tree;
pub mod units;
pub mod yaml;
