//! The benchmark corpus for the Rust benches: files written by `benches/corpus.mjs` into
//! `target/bench-corpus/`, generated on first use (one generator for Rust, Node and workerd).
#![allow(dead_code)] // each bench target uses part of it

use segment_bloomreach::Settings;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const CALL_TYPES: [&str; 6] = ["track", "page", "screen", "identify", "group", "alias"];
pub const SIZES: [&str; 3] = ["small", "typical", "large"];

/// The repository's root: the crate's folder or the nearest one above it holding the generator
/// (this file is also compiled into the Worker crate's bench).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("benches/corpus.mjs").exists())
        .expect("the repository holds benches/corpus.mjs")
        .to_path_buf()
}

fn dir() -> PathBuf {
    root().join("target/bench-corpus")
}

/// Writes the corpus with Node when it is missing or older than its generator.
fn ensure() -> PathBuf {
    let root = root();
    let root = root.as_path();
    let generator = root.join("benches/corpus.mjs");
    let dir = dir();
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let stale = match (modified(&dir.join("settings.json")), modified(&generator)) {
        (Some(corpus), Some(source)) => corpus < source,
        _ => true,
    };
    if stale {
        let status = Command::new("node")
            .arg(&generator)
            .arg(&dir)
            .status()
            .expect("node runs benches/corpus.mjs (the corpus generator)");
        assert!(status.success(), "benches/corpus.mjs failed");
    }
    dir
}

/// One corpus file as text, e.g. `batch-typical-100.json` or `event-track-large.json`.
pub fn read(name: &str) -> String {
    let path = ensure().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The settings every benchmark maps with.
pub fn settings() -> Settings {
    Settings::from_json(&read("settings.json")).expect("corpus settings are valid")
}

/// The settings with `flattenNestedObjects` on.
pub fn settings_flattening() -> Settings {
    let mut value: serde_json::Value =
        serde_json::from_str(&read("settings.json")).expect("corpus settings are JSON");
    value["flattenNestedObjects"] = serde_json::Value::Bool(true);
    Settings::from_json_value(&value).expect("corpus settings are valid")
}

/// The settings with the rules benchmark's `mappings` (`benches/rules.json`).
pub fn settings_with_rules() -> Settings {
    let mut value: serde_json::Value =
        serde_json::from_str(&read("settings.json")).expect("corpus settings are JSON");
    let rules =
        std::fs::read_to_string(root().join("benches/rules.json")).expect("benches/rules.json");
    value["mappings"] = serde_json::from_str(&rules).expect("benches/rules.json is JSON");
    Settings::from_json_value(&value).expect("the rules are valid")
}
