//! Placement: the Swarm's nodes (an inventory), where swarmkit's scheduler puts a stack's
//! tasks on them, and what node maintenance (drain, activate, power loss, promote, demote)
//! does to those tasks and to the control plane.
//!
//! - [`inventory`]: nodes read from `docker node inspect` JSON or a TOML file.
//! - [`scheduler`]: filters, spreading, preferences, global services.
//! - [`maintenance`]: step-by-step previews with the test bed's measured times
//!   ([`measured`]).

pub mod inventory;
pub mod maintenance;
pub mod measured;
pub mod scheduler;

pub use inventory::{Availability, Inventory, NodeInfo, NodeState, Reachability, Role};
pub use maintenance::{MaintenancePreview, MaintenanceStep};
pub use scheduler::{Cluster, Constraint, Demand};
pub mod rollout;
pub mod stack;

pub use stack::{ServicePlacement, StackPlacement};
