//! Text newtypes parsed at the edge: once built, a value is known to be valid.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Trims, rejects control characters and enforces a length limit (in characters).
fn clean(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// A required single-line name (person, company, user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 200;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = clean(field, raw, Self::MAX)?;
        if value.is_empty() {
            return Err(FieldError::new(field, "required", "is required"));
        }
        if value.contains('\n') {
            return Err(FieldError::new(
                field,
                "invalid_characters",
                "must be a single line",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A value read back from storage, where it was stored after parsing.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Optional free text: empty input becomes `None`.
pub fn optional_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(raw) => {
            let value = clean(field, raw, max)?;
            Ok(if value.is_empty() { None } else { Some(value) })
        }
    }
}

/// An e-mail address, stored lower-cased so lookups and duplicate checks are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = clean(field, raw, Self::MAX)?.to_lowercase();
        let invalid = || {
            FieldError::new(
                field,
                "invalid_email",
                "must be an e-mail address like name@example.com",
            )
        };
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c == '<' || c == '>' || c == '"');
        if !domain_ok || !local_ok {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => Self::parse(field, raw).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A value read back from storage, where it was stored after parsing.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number as typed, limited to the characters phone numbers are written with.
pub fn optional_phone(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = optional_text(field, raw, 40)? else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_ascii_digit() || " +-()./".contains(c) || c == 'x';
    if !value.chars().all(allowed) || value.chars().filter(char::is_ascii_digit).count() < 3 {
        return Err(FieldError::new(
            field,
            "invalid_phone",
            "must be a phone number (digits, spaces, + - ( ) . /)",
        ));
    }
    Ok(Some(value))
}

/// A web domain such as `example.com` (used for duplicate detection of companies).
pub fn optional_domain(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = optional_text(field, raw, 253)? else {
        return Ok(None);
    };
    let value = value.to_lowercase();
    let value = value
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.")
        .trim_end_matches('/')
        .to_string();
    let ok = value.contains('.')
        && !value.starts_with('.')
        && !value.ends_with('.')
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if !ok {
        return Err(FieldError::new(
            field,
            "invalid_domain",
            "must be a domain like example.com",
        ));
    }
    Ok(Some(value))
}

/// The lower-cased form used for case-insensitive prefix search.
pub fn search_key(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(Name::parse("name", "  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(Name::parse("name", "   ").unwrap_err().code, "required");
        assert_eq!(
            Name::parse("name", &"x".repeat(201)).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            Name::parse("name", "a\u{0}b").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(
            Name::parse("name", "a\nb").unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("email", " Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "ada@x",
            "a b@x.com",
            "ada@x..com",
            "ada@.x.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} accepted");
        }
        assert_eq!(Email::parse_optional("email", Some("  ")).unwrap(), None);
        assert_eq!(Email::parse("email", "a@b.co").unwrap().domain(), "b.co");
    }

    #[test]
    fn phones_and_domains() {
        assert_eq!(
            optional_phone("phone", Some("+49 (30) 123-45"))
                .unwrap()
                .unwrap(),
            "+49 (30) 123-45"
        );
        assert!(optional_phone("phone", Some("call me")).is_err());
        assert_eq!(
            optional_domain("domain", Some("https://www.Acme.com/"))
                .unwrap()
                .unwrap(),
            "acme.com"
        );
        assert!(optional_domain("domain", Some("not a domain")).is_err());
        assert_eq!(optional_domain("domain", Some("")).unwrap(), None);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any input either parses or is refused with a field error; a parsed value parses
            /// to itself again (normalisation is idempotent).
            #[test]
            fn names_parse_idempotently(raw in any::<String>()) {
                if let Ok(name) = Name::parse("name", &raw) {
                    prop_assert!(!name.as_str().is_empty());
                    prop_assert!(name.as_str().chars().count() <= Name::MAX);
                    prop_assert_eq!(Name::parse("name", name.as_str()).unwrap(), name);
                }
            }

            #[test]
            fn emails_parse_idempotently(local in "[a-zA-Z0-9._+-]{1,20}", domain in "[a-zA-Z0-9-]{1,20}\\.[a-z]{2,6}", noise in any::<String>()) {
                let email = Email::parse("email", &format!("{local}@{domain}")).unwrap();
                prop_assert_eq!(email.as_str(), email.as_str().to_lowercase());
                prop_assert_eq!(Email::parse("email", email.as_str()).unwrap(), email.clone());
                let _ = Email::parse("email", &noise);
            }

            #[test]
            fn domains_and_phones_never_panic(raw in any::<String>()) {
                if let Ok(Some(domain)) = optional_domain("domain", Some(&raw)) {
                    prop_assert_eq!(optional_domain("domain", Some(&domain)).unwrap(), Some(domain));
                }
                let _ = optional_phone("phone", Some(&raw));
            }
        }
    }
}
