//! The code tables of the book's Codes chapter (`docs/codes.md`) list exactly the codes of the registry (`src/codes.rs`), with their HTTP statuses.

use segment_bloomreach::Code;
use std::collections::BTreeMap;

/// Each code in the tables of the Codes chapter, with its status cell when the table has a
/// `status` column.
fn documented() -> BTreeMap<String, Option<String>> {
    let section = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes.md"))
        .expect("docs/codes.md");
    let end = section.len();
    let mut codes = BTreeMap::new();
    let mut status_column = None;
    for line in section[..end].lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.trim_start().starts_with('|') || cells.iter().all(|c| c.starts_with("---")) {
            continue;
        }
        if cells[0] == "code" {
            status_column = cells.iter().position(|c| *c == "status");
            continue;
        }
        let code = cells[0].trim_matches('`').to_string();
        let status = status_column.map(|i| cells[i].to_string());
        assert!(
            codes.insert(code.clone(), status).is_none(),
            "{code} is listed twice"
        );
    }
    codes
}

#[test]
fn the_readme_lists_exactly_the_registrys_codes_with_their_statuses() {
    let documented = documented();
    let registry: BTreeMap<String, Option<String>> = Code::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_string(),
                c.http_status().map(|s| s.to_string()),
            )
        })
        .collect();
    assert_eq!(documented, registry);
}
