//! Scenarios: how the application inside a task behaves, parsed from CLI strings.
//!
//! Grammar (parts joined with `+` or `,`, at most one health part and one crash part):
//!
//! | part | meaning |
//! |---|---|
//! | `healthy` | passes every healthcheck probe (the default) |
//! | `unhealthy` | never passes a probe |
//! | `unhealthy-after=DUR` | probes started `DUR` or later after container start fail |
//! | `crash-after=DUR[:CODE]` | the process exits with `CODE` (default 1) `DUR` after start |
//! | `exit0-on-sigterm` | exits 0 on SIGTERM (an unhealthy task then ends COMPLETE, not FAILED) |
//! | `ignore-sigterm` | ignores SIGTERM and is killed after the stop grace period |
//! | `unschedulable` | the scheduler can never place the task (for example a huge reservation) |
//!
//! `DUR` uses Go duration syntax (`8s`, `1m30s`, `500ms`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::duration::parse_go_duration_ms;
use super::time::Millis;

/// The behaviour of the application in tasks of one spec. Serialized as its string form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scenario {
    /// How healthcheck probes answer.
    pub health: HealthBehavior,
    /// An exit of the process on its own, if any.
    pub crash: Option<Crash>,
    /// What the process does on SIGTERM.
    pub on_sigterm: SigtermBehavior,
    /// True when the scheduler can never place a task of this spec.
    pub unschedulable: bool,
}

/// How probes answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HealthBehavior {
    /// Every probe passes.
    #[default]
    Healthy,
    /// Every probe fails.
    Unhealthy,
    /// Probes started at or after this long after container start fail.
    UnhealthyAfter(Millis),
}

impl HealthBehavior {
    /// The time after container start from which probes fail, if ever.
    pub(super) fn fails_from_ms(self) -> Option<Millis> {
        match self {
            HealthBehavior::Healthy => None,
            HealthBehavior::Unhealthy => Some(0),
            HealthBehavior::UnhealthyAfter(ms) => Some(ms),
        }
    }
}

/// The process exits on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crash {
    /// Time after container start.
    pub after_ms: Millis,
    /// Exit code; 0 makes the task COMPLETE, anything else FAILED.
    pub exit_code: i32,
}

/// Reaction to SIGTERM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SigtermBehavior {
    /// Killed by the default action: exit 143 after `sigterm_exit_ms`.
    #[default]
    Die,
    /// Exits 0 after `sigterm_exit_ms`.
    Exit0,
    /// Keeps running until SIGKILL at the end of the stop grace period: exit 137.
    Ignore,
}

/// A scenario string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses a scenario string such as `crash-after=8s:1` or `unhealthy+exit0-on-sigterm`.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let mut scenario = Scenario::default();
        let mut health_set = false;
        let err = |msg: String| Err(ScenarioError(msg));
        let parts: Vec<&str> = text.split(['+', ',']).map(str::trim).collect();
        if parts.iter().all(|p| p.is_empty()) {
            return err("empty scenario".to_owned());
        }
        for part in parts {
            let (name, value) = match part.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (part, None),
            };
            match (name, value) {
                ("healthy" | "unhealthy", None) | ("unhealthy-after", Some(_)) if health_set => {
                    return err(format!("scenario {text:?} sets the health behaviour twice"));
                }
                ("healthy", None) => health_set = true,
                ("unhealthy", None) => {
                    scenario.health = HealthBehavior::Unhealthy;
                    health_set = true;
                }
                ("unhealthy-after", Some(v)) => {
                    let ms = parse_go_duration_ms(v).map_err(ScenarioError)?;
                    scenario.health = HealthBehavior::UnhealthyAfter(ms);
                    health_set = true;
                }
                ("crash-after", Some(_)) if scenario.crash.is_some() => {
                    return err(format!("scenario {text:?} sets crash-after twice"));
                }
                ("crash-after", Some(v)) => {
                    let (dur, code) = match v.split_once(':') {
                        Some((d, c)) => {
                            let code = c.trim().parse::<i32>().map_err(|_| {
                                ScenarioError(format!("invalid exit code {c:?} in {text:?}"))
                            })?;
                            (d, code)
                        }
                        None => (v, 1),
                    };
                    let after_ms = parse_go_duration_ms(dur.trim()).map_err(ScenarioError)?;
                    scenario.crash = Some(Crash {
                        after_ms,
                        exit_code: code,
                    });
                }
                ("exit0-on-sigterm", None) => scenario.on_sigterm = SigtermBehavior::Exit0,
                ("ignore-sigterm", None) => scenario.on_sigterm = SigtermBehavior::Ignore,
                ("unschedulable", None) => scenario.unschedulable = true,
                ("", _) => return err(format!("empty part in scenario {text:?}")),
                _ => {
                    return err(format!(
                        "unknown scenario part {part:?}; expected healthy, unhealthy, \
                         unhealthy-after=DUR, crash-after=DUR[:CODE], exit0-on-sigterm, \
                         ignore-sigterm or unschedulable"
                    ));
                }
            }
        }
        Ok(scenario)
    }
}

impl FromStr for Scenario {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::parse(s)
    }
}

/// Formats a millisecond count the way Go prints short durations (`8s`, `1m30s`, `500ms`).
fn format_ms(ms: Millis) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    if !ms.is_multiple_of(1_000) {
        return format!("{ms}ms");
    }
    let total_s = ms / 1_000;
    let (h, m, s) = (total_s / 3_600, total_s / 60 % 60, total_s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

impl fmt::Display for Scenario {
    /// The canonical string form; it parses back to the same scenario.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match self.health {
            HealthBehavior::Healthy => {}
            HealthBehavior::Unhealthy => parts.push("unhealthy".to_owned()),
            HealthBehavior::UnhealthyAfter(ms) => {
                parts.push(format!("unhealthy-after={}", format_ms(ms)));
            }
        }
        if let Some(crash) = self.crash {
            parts.push(format!(
                "crash-after={}:{}",
                format_ms(crash.after_ms),
                crash.exit_code
            ));
        }
        match self.on_sigterm {
            SigtermBehavior::Die => {}
            SigtermBehavior::Exit0 => parts.push("exit0-on-sigterm".to_owned()),
            SigtermBehavior::Ignore => parts.push("ignore-sigterm".to_owned()),
        }
        if self.unschedulable {
            parts.push("unschedulable".to_owned());
        }
        if parts.is_empty() {
            f.write_str("healthy")
        } else {
            f.write_str(&parts.join("+"))
        }
    }
}

impl Serialize for Scenario {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scenario::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A scenario is serialized as its text form (`crash-after=8s:1`).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Scenario {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scenario".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "healthy, unhealthy, unhealthy-after=DUR, crash-after=DUR[:CODE], unschedulable, joined with modifiers such as exit0-on-sigterm" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_forms() {
        assert_eq!(Scenario::parse("healthy"), Ok(Scenario::default()));
        let crash = Scenario::parse("crash-after=8s:1").expect("valid");
        assert_eq!(
            crash.crash,
            Some(Crash {
                after_ms: 8_000,
                exit_code: 1
            })
        );
        let crash0 = Scenario::parse("crash-after=1m30s:0").expect("valid");
        assert_eq!(
            crash0.crash,
            Some(Crash {
                after_ms: 90_000,
                exit_code: 0
            })
        );
        let default_code = Scenario::parse("crash-after=500ms").expect("valid");
        assert_eq!(
            default_code.crash,
            Some(Crash {
                after_ms: 500,
                exit_code: 1
            })
        );
        let combo = Scenario::parse("unhealthy+exit0-on-sigterm").expect("valid");
        assert_eq!(combo.health, HealthBehavior::Unhealthy);
        assert_eq!(combo.on_sigterm, SigtermBehavior::Exit0);
        assert!(
            Scenario::parse("unschedulable")
                .expect("valid")
                .unschedulable
        );
        assert_eq!(
            Scenario::parse("unhealthy-after=10s")
                .expect("valid")
                .health,
            HealthBehavior::UnhealthyAfter(10_000)
        );
    }

    #[test]
    fn rejects_bad_strings() {
        for bad in [
            "",
            "sick",
            "crash-after",
            "crash-after=8",
            "crash-after=8s:x",
            "unhealthy+healthy",
            "crash-after=1s+crash-after=2s",
            "healthy+",
        ] {
            assert!(Scenario::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "healthy",
            "unhealthy",
            "unhealthy-after=1m30s",
            "crash-after=8s:1",
            "crash-after=500ms:0+exit0-on-sigterm",
            "unhealthy+ignore-sigterm+unschedulable",
        ] {
            let parsed = Scenario::parse(text).expect("valid");
            assert_eq!(parsed.to_string(), text);
            assert_eq!(Scenario::parse(&parsed.to_string()), Ok(parsed));
        }
    }
}
