//! Pure, Unix-style path arithmetic (Go's `path/filepath` on Linux): the core never touches a
//! filesystem, but Compose resolves relative paths against the project directory.

/// `filepath.IsAbs` on Unix.
pub fn is_abs(path: &str) -> bool {
    path.starts_with('/')
}

/// `filepath.Join`: joins non-empty elements and cleans the result.
pub fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        return clean(base);
    }
    if base.is_empty() {
        return clean(rel);
    }
    clean(&format!("{base}/{rel}"))
}

/// `filepath.Dir`.
pub fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(i) => clean(&path[..i]),
        None => ".".to_owned(),
    }
}

/// Resolves `rel` against `base` unless it is already absolute.
pub fn absolutize(base: &str, rel: &str) -> String {
    if is_abs(rel) {
        clean(rel)
    } else {
        join(base, rel)
    }
}

/// `path.Clean`: lexical normalisation of `.`/`..`/duplicate slashes.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(&p) if p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// A dotted model path (`services.web.ports`) matched against a pattern where `*` matches
/// any one segment, as compose-go's `tree.Path.Matches` does.
pub fn matches(path: &[&str], pattern: &[&str]) -> bool {
    path.len() == pattern.len() && path.iter().zip(pattern).all(|(p, q)| *q == "*" || p == q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_and_join_follow_go() {
        assert_eq!(clean("/a/b/../c/./d/"), "/a/c/d");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(join("/proj", "./data"), "/proj/data");
        assert_eq!(join("/proj", "../up"), "/up");
        assert_eq!(dir("/proj/sub/file.yml"), "/proj/sub");
        assert_eq!(dir("file.yml"), ".");
        assert_eq!(absolutize("/p", "/abs"), "/abs");
    }

    #[test]
    fn patterns_match_segments() {
        assert!(matches(
            &["services", "web", "ports"],
            &["services", "*", "ports"]
        ));
        assert!(!matches(&["services", "web"], &["services", "*", "ports"]));
    }
}
