//! The book's chapter 14 file set (Learn Docker in a Month of Lunches), linted as the brief
//! asks: docker-compose.yml + prod.yml + prod-healthcheck.yml + prod-update-config.yml +
//! prod-rollback-config.yml + v5-bad.yml. Skipped, loudly, when `../shared` is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "lint_support.rs"]
mod support;

use stackplan_core::lint::render::human::{self, HumanOptions};
use stackplan_core::lint::{LintOptions, Severity, lint};
use support::*;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/examples/book-ch14/numbers"
);

fn book(names: &[&str]) -> Option<stackplan_core::loader::Loaded> {
    if !std::path::Path::new(DIR).is_dir() {
        eprintln!(
            "\n!!!!!!!! SKIPPED: {DIR} not found; the book's ch14 files live in ../shared !!!!!!!!\n"
        );
        return None;
    }
    let files: Vec<(&str, Vec<u8>)> = names
        .iter()
        .map(|n| {
            (
                *n,
                std::fs::read(format!("{DIR}/{n}")).expect("read book file"),
            )
        })
        .collect();
    Some(load_bytes(&files))
}

#[test]
fn lint_book_ch14_v5_bad_release() {
    let Some(loaded) = book(&[
        "docker-compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
        "v5-bad.yml",
    ]) else {
        return;
    };
    let diags = lint(&loaded, &LintOptions::default());
    let text = human::render(
        &diags,
        &loaded.sources,
        HumanOptions {
            color: false,
            summary: true,
        },
    );
    println!("{text}");

    let got: Vec<(&str, Severity, String, u32, u32)> = diags
        .iter()
        .map(|d| {
            let (file, line, col) = position(&loaded, d).unwrap();
            (d.rule, d.severity, file, line, col)
        })
        .collect();
    let want: Vec<(&str, Severity, &str, u32, u32)> = vec![
        ("SP301", Severity::Warning, "docker-compose.yml", 1, 1),
        ("SP301", Severity::Warning, "prod.yml", 1, 1),
        ("SP301", Severity::Warning, "prod-healthcheck.yml", 1, 1),
        // numbers-api: timeout 3s > interval 2s.
        ("SP115", Severity::Warning, "prod-healthcheck.yml", 8, 16),
        // numbers-api: start_period 5s, no start_interval, interval 2s: first probe at +5s.
        ("SP117", Severity::Info, "prod-healthcheck.yml", 10, 21),
        ("SP301", Severity::Warning, "prod-update-config.yml", 1, 1),
        ("SP301", Severity::Warning, "prod-rollback-config.yml", 1, 1),
        // rollback_config monitor: 0s means 5s (dropped from the merged model).
        (
            "SP108",
            Severity::Warning,
            "prod-rollback-config.yml",
            8,
            18,
        ),
        ("SP301", Severity::Warning, "v5-bad.yml", 1, 1),
    ];
    let want: Vec<(&str, Severity, String, u32, u32)> = want
        .into_iter()
        .map(|(r, s, f, l, c)| (r, s, f.to_owned(), l, c))
        .collect();
    assert_eq!(got, want, "\n{text}");
}

#[test]
fn lint_book_ch14_utf16_prod_full() {
    // prod-full.yml is UTF-16 with a BOM; positions are still lines and characters.
    let Some(loaded) = book(&["docker-compose.yml", "prod-full.yml"]) else {
        return;
    };
    let diags = lint(&loaded, &LintOptions::default());
    let text = human::render(&diags, &loaded.sources, HumanOptions::default());
    println!("{text}");
    assert!(diags.iter().all(|d| d.origin.is_some()), "{text}");
    assert!(
        !diags.iter().any(|d| d.severity == Severity::Error),
        "{text}"
    );
}
