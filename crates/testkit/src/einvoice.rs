//! Checking UBL e-invoices with the official EN 16931 rules (vendored in `einvoice/`), run by
//! Saxon from Python. CI installs `saxonche` and sets `SALESFLOW_REQUIRE_EINVOICE=1`, which
//! turns a missing validator into a failure.

use std::io::Write;
use std::process::Command;

/// The fatal rule failures of a UBL document, or `None` when the validator cannot run here.
pub fn fatal_failures(xml: &str) -> Option<Vec<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/einvoice");
    let path = std::env::temp_dir().join(format!("salesflow-{}.xml", uuid::Uuid::now_v7()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(xml.as_bytes()))
        .expect("write the e-invoice");
    let output = Command::new("python3")
        .arg(format!("{dir}/check.py"))
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let required = std::env::var("SALESFLOW_REQUIRE_EINVOICE").is_ok_and(|v| v == "1");
    match output {
        Ok(out) if out.status.code() == Some(0) => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            Some(
                text.lines()
                    .filter(|l| l.starts_with("fatal "))
                    .map(str::to_string)
                    .collect(),
            )
        }
        _ if required => panic!("the EN 16931 validator (python3 + saxonche) is required"),
        _ => None,
    }
}
