#![doc = include_str!("image_not_pinned.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP302",
    name: "image-not-pinned",
    family: Family::Hygiene,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "image without a tag or with latest: deploys and rollbacks are not reproducible",
    doc: include_str!("image_not_pinned.md"),
    check,
};

/// The tag of an image reference (`registry:5000/a/b:tag` → `tag`), `None` without one, or
/// `Some("@")` for a digest reference.
pub(crate) fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some(node) = service.get(&["image"]) else {
            continue;
        };
        let Some(image) = node.as_str().filter(|s| !s.is_empty()) else {
            continue;
        };
        if image.contains('$') {
            continue;
        }
        let message = match tag(image) {
            None => format!(
                "image `{image}` has no tag, so it means `{image}:latest`: each deploy runs whatever build the registry has then, and the spec does not say which version runs"
            ),
            Some("latest") => format!(
                "image `{image}` uses `latest`: each deploy runs whatever build the registry has then, and the spec does not say which version runs"
            ),
            Some(_) => continue,
        };
        out.push(
            Diagnostic::new(&RULE, at(node), message)
                .service(service.name)
                .help("a rollback can only return to a distinct version if the image reference names one")
                .suggest("pin a version tag or a digest (`image: name:1.2.3`)", at(node)),
        );
    }
}
