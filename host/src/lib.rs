//! `stackplan-host`: the shell that runs stackplan's WebAssembly core as a sandboxed plugin
//! and talks to a real Docker Swarm.
//!
//! Module map:
//! - [`plugin`]: the plugin runner (wasmtime; engine, module cache, store with limits, one
//!   call). The only place that executes the core's module.
//! - [`endpoint`]: which Docker Engine to talk to, resolved like the docker CLI (`-H`,
//!   `--context`, `DOCKER_HOST`, `DOCKER_CONTEXT`, the current context), and the connection
//!   (bollard, API version negotiated, a 2 s answer budget, Swarm manager required).
//! - [`swarm`]: what the host reads from and asks of a Swarm (`status`, `rollback`, `nodes`).
//! - [`proxy`]: a recording Engine API proxy on a unix socket, for tests that must prove
//!   which write calls were made.
//! - [`project`]: the Compose files of an apply, loaded and converted (`swarm::convert`) and
//!   packed into the plugin's request.
//! - [`apply`]: the changeset live → desired (pure) and the Engine calls that make it.
//! - [`follow`]: following the rollouts (polls, progress bars, stall detection, the
//!   predicted-vs-actual line).
//! - [`nodes`]: node maintenance (`drain`, `activate`, `promote`, `demote`, `rebalance`);
//!   `nodes::assess` is the one pure function that decides what a step moves and refuses.
//! - [`cli`]: the command line.
//!
//! Invariants: the host never replaces tasks itself (Swarm does the rolling); it never
//! writes to the Engine in `status` and `nodes`; every failure is an error message and an
//! exit code (0 ok, 1 a stack problem found, 2 an error), never a panic.

pub mod apply;
pub mod cli;
pub mod endpoint;
pub mod follow;
pub mod nodes;
pub mod plugin;
pub mod project;
pub mod proxy;
pub mod swarm;
