//! Hostile and random input never panics: decoding, YAML parsing, interpolation, `.env`
//! parsing, the unit parsers and the whole loader either succeed or return an error. These
//! run in every `cargo test`; `fuzz/` holds coverage-guided targets for longer runs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use proptest::prelude::*;
use stackplan_core::loader::{LoadOptions, load};
use stackplan_core::source::FileSource;
use stackplan_core::{dotenv, interpolate, units, yaml};
use std::collections::HashMap;

struct Files(HashMap<String, Vec<u8>>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("open {path}: no such file or directory"))
    }
    fn is_file(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

/// Fragments that exercise the interesting paths: Compose keys, YAML syntax, tags, anchors,
/// interpolation and the short syntaxes.
fn compose_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("services:\n".to_owned()),
        Just("  web:\n".to_owned()),
        Just("    image: nginx\n".to_owned()),
        Just("    ports: [\"8080:80\", \"9000-9002:90-92/udp\", 3000]\n".to_owned()),
        Just("    volumes: [\"./a:/b:ro\", v:/data, \"named:/x:nocopy\"]\n".to_owned()),
        Just("    environment: [A=1, B, \"C=${X:-d}\"]\n".to_owned()),
        Just("    command: \"sh -c 'echo $$HOME' && x\"\n".to_owned()),
        Just("    deploy: {replicas: 2, update_config: {parallelism: 0, delay: 1m30s, order: start-first}}\n".to_owned()),
        Just("    healthcheck: {test: [CMD, x], interval: 5s, retries: 3}\n".to_owned()),
        Just("    extends: web\n".to_owned()),
        Just("    depends_on: [web]\n".to_owned()),
        Just("    <<: *base\n".to_owned()),
        Just("x-base: &base {image: a, labels: [a=b]}\n".to_owned()),
        Just("    labels: !reset []\n".to_owned()),
        Just("    networks: !override [n]\n".to_owned()),
        Just("networks: {n: {external: true}}\n".to_owned()),
        Just("---\n".to_owned()),
        Just("\t".to_owned()),
        Just("${".to_owned()),
        Just("[".to_owned()),
        Just("{".to_owned()),
        Just("&a ".to_owned()),
        Just("*a ".to_owned()),
        "[ -~]{0,12}".prop_map(|s| s),
        "\\PC{0,6}".prop_map(|s| s),
    ];
    prop::collection::vec(token, 0..24).prop_map(|parts| parts.concat())
}

fn load_files(files: Vec<(&str, Vec<u8>)>) {
    let names: Vec<String> = files.iter().map(|(n, _)| format!("/p/{n}")).collect();
    let source = Files(
        files
            .into_iter()
            .map(|(n, b)| (format!("/p/{n}"), b))
            .collect(),
    );
    let mut opts = LoadOptions::new(names, "/p".into(), "fuzz".into());
    opts.environment.insert("X".into(), "value".into());
    let _ = load(&opts, &source);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(text) = yaml::decode(&bytes, 0) {
            let _ = yaml::parse(&text, 0, &yaml::Limits::default());
        }
        load_files(vec![("c.yml", bytes)]);
    }

    #[test]
    fn compose_like_text_never_panics(base in compose_like(), over in compose_like()) {
        load_files(vec![("c.yml", base.into_bytes()), ("o.yml", over.into_bytes())]);
    }

    #[test]
    fn string_parsers_never_panic(s in "\\PC{0,40}") {
        let lookup = |k: &str| (k == "A").then(|| "a".to_owned());
        let _ = interpolate::interpolate(&s, &lookup);
        let _ = dotenv::parse(&s, &lookup);
        let _ = units::parse_duration(&s);
        let _ = units::parse_byte_size(&s);
        let _ = units::parse_port_short(&s);
        let _ = units::parse_volume_short(&s);
        let _ = units::split_shell_words(&s);
        let _ = units::parse_extra_host(&s);
    }
}

#[test]
fn alias_bomb_is_refused_quickly_and_in_bounded_memory() {
    // Nine levels of ten aliases each would expand to a billion nodes.
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let err = yaml::parse(&text, 0, &yaml::Limits::default()).unwrap_err();
    assert!(err.message.contains("alias bomb"), "{err:?}");
}

#[test]
fn deep_nesting_is_refused() {
    for text in [
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}x", "- ".repeat(10_000)),
        format!("{}{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
    ] {
        let err = yaml::parse(&text, 0, &yaml::Limits::default()).unwrap_err();
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err:?}"
        );
    }
}

#[test]
fn oversized_files_are_refused_by_the_loader() {
    let mut opts = LoadOptions::new(vec!["/p/c.yml".into()], "/p".into(), "big".into());
    opts.limits.max_file_bytes = 1024;
    let source = Files(HashMap::from([("/p/c.yml".to_owned(), vec![b'#'; 4096])]));
    let failure = load(&opts, &source).unwrap_err();
    assert!(
        failure
            .error
            .message
            .contains("over the limit of 1024 bytes"),
        "{:?}",
        failure.error
    );
}
