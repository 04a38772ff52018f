//! The simulator's unit of time and the Swarm timers it uses, in milliseconds, derived from
//! the one table of defaults ([`crate::swarm::defaults`], nanoseconds).

use crate::swarm::defaults;

/// Milliseconds, the unit of every duration and instant in this module.
pub type Millis = u64;

/// swarmkit's default `Monitor` for updates and rollbacks: 5 s.
pub const DEFAULT_MONITOR_MS: Millis = defaults::ms(defaults::UPDATE_MONITOR_NS);
/// swarmkit's default restart delay: 5 s.
pub const DEFAULT_RESTART_DELAY_MS: Millis = defaults::ms(defaults::RESTART_DELAY_NS);
/// The engine's default container stop timeout, used when `StopGracePeriod` is nil.
pub const DEFAULT_STOP_GRACE_MS: Millis = defaults::ms(defaults::STOP_GRACE_PERIOD_NS);
/// How long stop-first waits for the old task to exit before starting the new one anyway.
pub const OLD_TASK_TIMEOUT_MS: Millis = defaults::ms(defaults::OLD_TASK_TIMEOUT_NS);
/// Engine healthcheck defaults.
pub const DEFAULT_HEALTH_INTERVAL_MS: Millis = defaults::ms(defaults::HEALTH_INTERVAL_NS);
pub const DEFAULT_HEALTH_TIMEOUT_MS: Millis = defaults::ms(defaults::HEALTH_TIMEOUT_NS);
pub const DEFAULT_HEALTH_RETRIES: u32 = defaults::HEALTH_RETRIES as u32;
pub const DEFAULT_START_INTERVAL_MS: Millis = defaults::ms(defaults::HEALTH_START_INTERVAL_NS);
