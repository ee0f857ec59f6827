//! Loading the shared golden fixtures for the Rust tests.
#![allow(dead_code)]

use segment_bloomreach::{BuildOutput, IngestError, IngestLimits, Mapper, Settings};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `*.json` file of a fixture folder, with its path, sorted.
pub fn fixture_files(folder: &str) -> Vec<(PathBuf, Value)> {
    let dir = fixtures_dir().join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.clone(), read_json(&p)))
        .collect()
}

/// Each case of each file of a folder, named `file: case`.
pub fn cases(folder: &str) -> Vec<(String, Value)> {
    fixture_files(folder)
        .into_iter()
        .flat_map(|(path, file)| {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            file["cases"]
                .as_array()
                .unwrap_or_else(|| panic!("{stem}: no cases"))
                .iter()
                .map(|case| {
                    (
                        format!("{stem}: {}", case["name"].as_str().unwrap()),
                        case.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `settings.base.json` with the case's `settings` merged over it (`null` removes a key).
pub fn settings_for(case: &Value) -> Value {
    let mut base = read_json(&fixtures_dir().join("settings.base.json"));
    if let Some(overrides) = case.get("settings").and_then(Value::as_object) {
        let base = base.as_object_mut().unwrap();
        merge(base, overrides);
    }
    base
}

fn merge(base: &mut Map<String, Value>, overrides: &Map<String, Value>) {
    for (k, v) in overrides {
        if v.is_null() {
            base.remove(k);
        } else {
            base.insert(k.clone(), v.clone());
        }
    }
}

/// Runs `check` on every case of a fixture folder and fails once, listing every case that failed.
pub fn check_cases(folder: &str, at_least: usize, check: impl Fn(&Value) -> Result<(), String>) {
    let cases = cases(folder);
    assert!(
        cases.len() >= at_least,
        "{folder}: expected at least {at_least} cases, found {}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| check(case).err().map(|why| format!("{name}\n    {why}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// `Ok` when equal, else both values side by side.
pub fn same(got: &Value, expected: &Value) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("got      {got}\n    expected {expected}"))
    }
}

/// Events built in Rust, read, mapped and packed with `settings`.
pub fn build_requests(events: Vec<Value>, settings: &Settings) -> BuildOutput<'static> {
    Mapper::new(settings.clone()).build_from_values(events)
}

/// A Segment body, read, mapped and packed with `settings`.
pub fn build_requests_from_json<'a>(
    text: &'a str,
    settings: &Settings,
    implied_type: Option<&str>,
    limits: IngestLimits,
) -> Result<BuildOutput<'a>, IngestError> {
    Mapper::new(settings.clone()).build_from_text(text, implied_type, limits)
}
