//! Reading PDFs back in tests: the text `pdftotext` (poppler-utils) extracts, which also
//! proves a real PDF reader accepts the file.

use std::io::Write;
use std::process::Command;

/// The text of a PDF, or `None` when `pdftotext` is not installed (CI installs it and sets
/// `SALESFLOW_REQUIRE_PDFTOTEXT=1`, which turns its absence into a failure).
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    let (path, mut file) = temp_file();
    file.write_all(bytes).expect("write pdf");
    let output = Command::new("pdftotext")
        .args(["-layout", &path, "-"])
        .output();
    let _ = std::fs::remove_file(&path);
    match output {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext refused the file: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) if std::env::var("SALESFLOW_REQUIRE_PDFTOTEXT").is_ok_and(|v| v == "1") => {
            panic!("pdftotext (poppler-utils) is required")
        }
        Err(_) => None,
    }
}

fn temp_file() -> (String, std::fs::File) {
    let path = std::env::temp_dir()
        .join(format!("salesflow-{}.pdf", uuid::Uuid::now_v7()))
        .to_string_lossy()
        .into_owned();
    let file = std::fs::File::create(&path).expect("temp file");
    (path, file)
}
