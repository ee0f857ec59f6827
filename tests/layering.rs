//! The shape of the code, checked: the core crate reaches no wasm or Workers crate, and in every crate (and inside the rules crate's mapping kit) a module uses only modules of lower layers (so no import circles).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Crates the pure core must never reach, directly or through another crate.
const FORBIDDEN_IN_CORE: &[&str] = &["wasm-bindgen", "js-sys", "web-sys", "worker"];

/// Every package `Cargo.lock` says `name` depends on, directly or not (all dependency kinds).
fn reachable(lock: &str, name: &str) -> BTreeSet<String> {
    let mut dependencies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        let Some(package_name) = field("name") else {
            continue;
        };
        let deps = package
            .split("dependencies = [")
            .nth(1)
            .map(|list| {
                list.split(']')
                    .next()
                    .unwrap_or("")
                    .lines()
                    .filter_map(|l| {
                        let entry = l.trim().trim_end_matches(',').trim_matches('"');
                        entry
                            .split(' ')
                            .next()
                            .filter(|n| !n.is_empty())
                            .map(String::from)
                    })
            })
            .into_iter()
            .flatten()
            .collect();
        dependencies
            .entry(package_name)
            .or_default()
            .extend::<Vec<_>>(deps);
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![name.to_string()];
    while let Some(next) = stack.pop() {
        for dep in dependencies.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn the_core_reaches_no_wasm_or_workers_crate() {
    let lock = std::fs::read_to_string(Path::new(ROOT).join("Cargo.lock")).unwrap();
    let core = reachable(&lock, "segment-bloomreach");
    assert!(
        core.contains("serde_json"),
        "the lock file was read: {core:?}"
    );
    for forbidden in FORBIDDEN_IN_CORE {
        assert!(!core.contains(*forbidden), "the core reaches {forbidden}");
    }
    let worker = reachable(&lock, "segment-bloomreach-worker");
    assert!(worker.contains("worker") && worker.contains("segment-bloomreach"));
}

/// The `url` crate (a WHATWG parser with IDNA tables too big for the wasm budgets) is the core's
/// parser in host builds only: the npm package and the Worker pass the runtime's `URL`.
#[test]
fn the_url_crate_is_a_host_only_dependency() {
    let mut sections = Vec::new();
    for crate_dir in [".", "crates/npm", "crates/worker"] {
        let manifest =
            std::fs::read_to_string(Path::new(ROOT).join(crate_dir).join("Cargo.toml")).unwrap();
        let mut section = String::new();
        for line in manifest.lines() {
            if line.starts_with('[') {
                section = line.to_string();
            } else if line.starts_with("url ") || line.starts_with("url=") {
                sections.push(format!("{crate_dir}: {section}"));
            }
        }
    }
    assert_eq!(
        sections,
        [r#".: [target.'cfg(not(target_arch = "wasm32"))'.dependencies]"#]
    );
}

/// The top-level modules of a crate named by `crate::…` paths in `file`, outside comments.
fn crate_references(file: &Path) -> BTreeSet<String> {
    references(file, &["crate::"])
}

/// The modules named in `file` (outside comments) by paths that start with one of `prefixes`
/// (`crate::`: a crate's top-level modules; `crate::kit::`: the kit's).
fn references(file: &Path, prefixes: &[&str]) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in prefixes {
            let mut rest = code;
            while let Some(at) = rest.find(prefix) {
                rest = &rest[at + prefix.len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or("");
                    for item in group.split(',') {
                        let module = item.trim().split("::").next().unwrap_or("").trim();
                        if !module.is_empty() {
                            found.insert(module.to_string());
                        }
                    }
                } else {
                    let module: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // `use super::*` in a file's tests names no module.
                    if !module.is_empty() {
                        found.insert(module);
                    }
                }
            }
        }
    }
    found
}

/// Every `.rs` file of a crate's `src/`, with the top-level module it belongs to.
fn files_by_module(src: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap();
                let first = relative.components().next().unwrap().as_os_str();
                let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
                files.push((module, path));
            }
        }
    }
    files
}

/// In `src`, a module uses only modules of strictly lower layers (the crate root, `lib`, may use
/// any). Every module must be placed in a layer.
fn check_layers(src: &str, layers: &[&[&str]]) {
    check_layers_by(src, "lib", crate_references, layers);
}

/// [`check_layers`] for the modules under `src` whose root file is `root`, with `uses` finding
/// the modules a file uses.
fn check_layers_by(
    src: &str,
    root: &str,
    uses: impl Fn(&Path) -> BTreeSet<String>,
    layers: &[&[&str]],
) {
    let layer_of = |module: &str| layers.iter().position(|layer| layer.contains(&module));
    let mut problems = Vec::new();
    for (module, file) in files_by_module(&Path::new(ROOT).join(src)) {
        if module == root {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            problems.push(format!(
                "{}: module `{module}` is in no layer",
                file.display()
            ));
            continue;
        };
        for used in uses(&file) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(layer) if layer < own => {}
                _ => problems.push(format!(
                    "{}: `{module}` (layer {own}) uses `{used}` (layer {:?})",
                    file.display(),
                    layer_of(&used)
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_core_is_one_way_through() {
    check_layers(
        "src",
        &[
            &["base_url", "codes", "json"],
            &["error", "response"],
            &["command", "settings"],
            &["ingest"],
            &["mapping", "presets"],
            &["mapper", "pack"],
            &["build"],
        ],
    );
}

#[test]
fn the_worker_shell_is_layered() {
    check_layers(
        "crates/worker/src",
        &[
            // Times as text, for the console's records and its session; a small stable sort for
            // short lists; the time now.
            &["time_text", "small_sort", "clock"],
            // The console's session cookie: pure, under the admin check that reads it.
            &["session"],
            &[
                "metrics",
                "route",
                "sender_auth",
                "delivery",
                "queue_message",
                "panic_report",
                "config_versions",
                "runtime_url",
                "receipt",
                "inspector",
            ],
            // The ledger's protocol counts its messages' sizes as queue messages are counted.
            &["ledger"],
            &["log", "env_config"],
            &["routing"],
            &["error"],
            &[
                "metrics_dataset",
                "http",
                "upstream",
                "request_body",
                "queue_producer",
                "rate_limit",
            ],
            &["object_fetch"],
            &[
                "ledger_client",
                "ledger_object",
                "config_store",
                "config_store_client",
                "inspector_client",
                "inspector_object",
            ],
            &["config"],
            &["live_config"],
            &["deliver", "health"],
            &["inspector_capture"],
            &[
                "ingest_route",
                "consumer",
                "admin_route",
                "config_admin_route",
                "session_route",
            ],
            &["inspector_route"],
            &["routes"],
        ],
    );
}

#[test]
fn the_deployment_crate_is_layered() {
    // A deployment's configuration (crates/deployment): the types, the did-you-mean and the diff
    // at the bottom, validation on them.
    check_layers(
        "crates/deployment/src",
        &[&["model", "suggest", "diff"], &["validate"]],
    );
}

#[test]
fn the_rules_crate_is_layered() {
    // Segment's mapping-kit and FQL (crates/rules): JavaScript's semantics at the bottom, the
    // two languages on them, the rule set on both.
    check_layers(
        "crates/rules/src",
        &[
            &["js", "problem"],
            &["kit", "fql"],
            &["emit"],
            &["rule_set"],
        ],
    );
}

#[test]
fn the_rules_hot_path_crates_are_layered() {
    // JavaScript's semantics and the work budget (crates/rules-js), and on them the resolver's
    // tree with JSON text read into it and written from it (crates/rules-values).
    check_layers(
        "crates/rules-js/src",
        &[&["text", "work", "number"], &["member"]],
    );
    check_layers(
        "crates/rules-values/src",
        // `js` is crates/rules-js, re-exported.
        &[&["js"], &["value"], &["parse", "json_text"]],
    );
}

#[test]
fn the_mapping_kit_is_layered() {
    // Inside mapping-kit (crates/rules/src/kit): the compiled tree, the validation walk and the
    // compiler know no directive (the kit's root, `mod.rs`, hands them the registry), so the
    // directives, which compile, validate and resolve their children through them, sit on top.
    let kit = Path::new(ROOT).join("crates/rules/src/kit");
    check_layers_by(
        "crates/rules/src/kit",
        "mod",
        |file| {
            // `super::` names the kit's modules in its own files and in a folder's `mod.rs`; in
            // a directive's file, the other directives.
            let relative = file.strip_prefix(&kit).unwrap();
            if relative.components().count() == 1 || relative.ends_with("mod.rs") {
                references(file, &["crate::kit::", "super::"])
            } else {
                references(file, &["crate::kit::"])
            }
        },
        &[
            // value, parse and json_text are crates/rules-values' (the hot path's own crate).
            &["value", "path", "reads"],
            &["parse", "json_text", "node", "validate", "output"],
            &["compile"],
            &["root"],
            &["directives"],
        ],
    );
}

#[test]
fn the_npm_shell_is_layered() {
    check_layers(
        "crates/npm/src",
        &[
            &["utf", "api_error", "runtime_url"],
            &["memory"],
            &["rules"],
        ],
    );
}
