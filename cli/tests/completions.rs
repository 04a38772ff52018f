//! `stackplan completions SHELL` and `stackplan man` (issue 12, item 6): generated from the
//! parser's own definition, so every sub-command and flag is in them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;

mod common;
use common::Parts as _;

fn run(args: &[&str]) -> (u8, String, String) {
    common::run(args, Path::new(env!("CARGO_MANIFEST_DIR")), &[]).parts()
}

#[test]
fn completion_scripts_know_every_subcommand_and_flag() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (status, script, err) = run(&["completions", shell]);
        assert_eq!(status, 0, "{shell}: {err}");
        for word in [
            "config",
            "plan",
            "lint",
            "explain",
            "from-file",
            "detailed-exitcode",
            "deny",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (_, bash, _) = run(&["completions", "bash"]);
    assert!(bash.contains("complete -F _stackplan"), "{bash}");
    // The script is valid bash.
    if let Ok(out) = std::process::Command::new("bash")
        .args(["-n", "-c", &bash])
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn completions_need_a_known_shell() {
    let (status, _, err) = run(&["completions", "tcsh"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("needs one shell: bash, zsh, fish, powershell or elvish"),
        "{err}"
    );
    assert_eq!(run(&["completions"]).0, 2);
}

#[test]
fn man_page_is_roff_with_the_subcommands() {
    let (status, page, err) = run(&["man"]);
    assert_eq!(status, 0, "{err}");
    assert!(page.contains(".TH stackplan 1"), "{page}");
    assert!(page.contains(".SH NAME"), "{page}");
    for sub in ["config", "plan", "lint", "explain"] {
        assert!(page.contains(sub), "man page lacks {sub}");
    }
}

#[test]
fn every_listed_subcommand_has_its_own_page() {
    let (status, list, err) = run(&["man", "--list"]);
    assert_eq!(status, 0, "{err}");
    let subs: Vec<&str> = list.lines().collect();
    for expected in ["config", "lint", "plan", "explain", "engine-spec"] {
        assert!(
            subs.contains(&expected),
            "man --list lacks {expected}: {list}"
        );
    }
    assert!(!subs.contains(&"help"), "help is not a page: {list}");
    for sub in subs {
        let (status, page, err) = run(&["man", sub]);
        assert_eq!(status, 0, "man {sub}: {err}");
        assert!(
            page.contains(&format!(".TH stackplan-{sub} 1")),
            "man {sub}: {page}"
        );
        // roff escapes a hyphen as `\-` (engine-spec).
        let synopsis = format!("\\fBstackplan {}\\fR", sub.replace('-', "\\-"));
        assert!(page.contains(&synopsis), "man {sub} synopsis: {page}");
        assert!(page.contains(".SH OPTIONS"), "man {sub}: {page}");
    }
    let (status, page, err) = run(&["man", "no-such-thing"]);
    assert_eq!(status, 2, "{page}");
    assert!(err.contains("no sub-command `no-such-thing`"), "{err}");
}
