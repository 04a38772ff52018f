//! compose-go attaches its per-field rules (merge, unicity, canonical syntax, casts) to dotted
//! path patterns such as `services.*.ports`. A trie of those patterns lets a walk descend only
//! into the keys some rule can apply to, instead of matching every node's path against every
//! pattern.

/// A trie of path patterns; `*` (or `[]` for list items) matches any one segment.
#[derive(Debug)]
pub(super) struct Trie<T> {
    exact: Vec<(&'static str, Trie<T>)>,
    wildcard: Option<Box<Trie<T>>>,
    value: Option<T>,
}

impl<T: Copy> Trie<T> {
    pub(super) fn new(patterns: &[(&'static [&'static str], T)]) -> Self {
        let mut root = Trie::empty();
        for (pattern, value) in patterns {
            let mut node = &mut root;
            for segment in *pattern {
                node = if *segment == "*" {
                    node.wildcard.get_or_insert_with(|| Box::new(Trie::empty()))
                } else {
                    let index = match node.exact.iter().position(|(s, _)| s == segment) {
                        Some(i) => i,
                        None => {
                            node.exact.push((segment, Trie::empty()));
                            node.exact.len() - 1
                        }
                    };
                    &mut node.exact[index].1
                };
            }
            // compose-go keeps its rules in a Go map; where two patterns match the same path the
            // first listed wins here, which the tables avoid.
            node.value.get_or_insert(*value);
        }
        root
    }

    fn empty() -> Self {
        Trie {
            exact: Vec::new(),
            wildcard: None,
            value: None,
        }
    }

    /// The sub-trie for one more path segment, if any pattern continues with it.
    pub(super) fn child(&self, segment: &str) -> Option<&Trie<T>> {
        self.exact
            .iter()
            .find(|(s, _)| *s == segment)
            .map(|(_, t)| t)
            .or(self.wildcard.as_deref())
    }

    /// The sub-trie for a list item.
    pub(super) fn item(&self) -> Option<&Trie<T>> {
        self.wildcard.as_deref()
    }

    /// The rule attached to the path that led here.
    pub(super) fn value(&self) -> Option<T> {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_segments_win_and_wildcards_match_the_rest() {
        let trie = Trie::new(&[
            (&["services", "*", "ports"], 1),
            (&["services", "*", "build", "args"], 2),
        ]);
        let service = trie
            .child("services")
            .and_then(|t| t.child("web"))
            .expect("service");
        assert_eq!(service.child("ports").and_then(Trie::value), Some(1));
        assert_eq!(
            service
                .child("build")
                .and_then(|b| b.child("args"))
                .and_then(Trie::value),
            Some(2)
        );
        assert!(service.child("image").is_none());
        assert!(trie.child("volumes").is_none());
    }
}
