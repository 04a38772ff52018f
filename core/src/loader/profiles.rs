//! Profiles (`--profile`, `COMPOSE_PROFILES`): a service with profiles is kept only when one
//! of them is active (`*` activates all); a service without profiles is always kept.

use crate::tree::{Map, Node};

pub(super) fn profile_enabled(service: &Map, active: &[String]) -> bool {
    let Some(profiles) = service.get("profiles").and_then(Node::as_seq) else {
        return true;
    };
    if profiles.is_empty() {
        return true;
    }
    active.iter().any(|a| a == "*")
        || profiles
            .iter()
            .filter_map(Node::as_str)
            .any(|p| active.iter().any(|a| a == p))
}
