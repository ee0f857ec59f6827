//! Replays the fuzz corpora and past findings (fuzz/corpus, fuzz/regressions) through the fuzz
//! targets' own checks, on stable Rust, so every finding stays fixed.

include!("../fuzz/checks.rs");

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{} fails its check", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn ingest_body_corpus_and_findings_hold() {
    assert!(replay("ingest_body", check_ingest_body) >= 80);
}

#[test]
fn settings_corpus_and_findings_hold() {
    assert!(replay("settings", check_settings) >= 10);
}

#[test]
fn read_response_corpus_and_findings_hold() {
    assert!(replay("read_response", check_read_response) >= 10);
}

#[test]
fn rules_corpus_and_findings_hold() {
    assert!(replay("rules", check_rules) >= 40);
}
