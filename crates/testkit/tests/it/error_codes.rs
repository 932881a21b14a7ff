//! Every error code the code can emit is documented in docs/API.md: the sources are scanned
//! for the calls that make an error with a code, so a new code without documentation fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Calls that make an error, and which argument (from 0) is the code.
const MAKERS: &[(&str, usize)] = &[
    ("FieldError::new(", 1),
    ("AppError::invalid(", 1),
    ("ValidationErrors::single(", 1),
    ("line_error(", 1),
    ("errors.add(", 1),
    ("AppError::conflict(", 0),
    ("AppError::refused(", 0),
    ("api_error(", 1),
    ("one(", 0),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The OpenAPI builder's `one(…)` names response shapes, not errors.
        if path.is_dir() && !path.ends_with("openapi") {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level arguments of the call whose text starts right after its `(`.
fn arguments(text: &str) -> Vec<&str> {
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0);
    let mut args = Vec::new();
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                args.push(text[start..i].trim());
                return args;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args
}

fn emitted_codes() -> BTreeSet<String> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in ["domain", "app", "web", "store"] {
        sources(&crates.join(krate).join("src"), &mut files);
    }
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests make errors of their own to check the plumbing.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (maker, position) in MAKERS {
            for (at, _) in text.match_indices(maker) {
                let preceded = text[..at].chars().next_back();
                if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue; // another function whose name ends like this one
                }
                let args = arguments(&text[at + maker.len()..]);
                if let Some(code) = args
                    .get(*position)
                    .and_then(|a| a.strip_prefix('"'))
                    .and_then(|a| a.strip_suffix('"'))
                    .filter(|c| {
                        !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    })
                {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    codes
}

#[test]
fn every_error_code_is_documented() {
    let codes = emitted_codes();
    assert!(codes.len() > 40, "the scan finds the codes: {codes:?}");
    for known in [
        "invalid_email",
        "stale_version",
        "negative_amount",
        "already_credited",
    ] {
        assert!(codes.contains(known), "{known} is found");
    }
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/API.md"))
            .unwrap();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/API.md: {missing:?}"
    );
}
