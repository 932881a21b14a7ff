//! Lead capture on record pages: a campaign's leads (counts by status and the newest), and a
//! web form's public link and the HTML to embed it in another site.

use salesflow_domain::event::EntityType;
use salesflow_domain::web_form::{FORM_FIELDS, HONEYPOT};

use super::*;

pub struct LeadLink {
    pub id: String,
    pub name: String,
    pub status: String,
    pub created: String,
}

pub enum CapturePanel {
    Campaign {
        counts: Vec<(String, i64)>,
        total: i64,
        leads: Vec<LeadLink>,
    },
    WebForm {
        url: String,
        iframe: String,
        html: String,
    },
}

/// "utm_source" → "UTM source".
pub fn utm_label(key: &str) -> &'static str {
    match key {
        "utm_source" => "UTM source",
        "utm_medium" => "UTM medium",
        "utm_campaign" => "UTM campaign",
        "utm_term" => "UTM term",
        "utm_content" => "UTM content",
        _ => "Attribution",
    }
}

/// The form as plain HTML to paste into a site; it posts straight to salesflow.
fn embed_html(url: &str, form: &Value) -> String {
    let fields = text_of(form, "fields");
    let mut html = format!("<form action=\"{url}\" method=\"post\">\n");
    for part in fields.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, required) = match part.strip_suffix('*') {
            Some(n) => (n, " required"),
            None => (part, ""),
        };
        let label = FORM_FIELDS
            .iter()
            .find(|(f, _)| *f == name)
            .map_or(name, |(_, l)| l);
        let input = if name == "notes" {
            format!("<textarea name=\"{name}\"{required}></textarea>")
        } else {
            format!("<input name=\"{name}\"{required}>")
        };
        html.push_str(&format!("  <label>{label} {input}</label>\n"));
    }
    html.push_str(&format!(
        "  <input name=\"{HONEYPOT}\" tabindex=\"-1\" autocomplete=\"off\" style=\"display:none\">\n  <button type=\"submit\">Send</button>\n</form>"
    ));
    html
}

pub async fn capture_panel<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
    json: &Value,
) -> Result<Option<CapturePanel>, AppError> {
    match E::ENTITY {
        EntityType::Campaign if actor.can(Resource::Lead, Action::Read) => {
            let (counts, leads) = s.app.campaign_leads(actor, record.uuid()).await?;
            Ok(Some(CapturePanel::Campaign {
                total: counts.iter().map(|(_, n)| n).sum(),
                counts: counts
                    .into_iter()
                    .map(|(st, n)| (humanize(&st), n))
                    .collect(),
                leads: leads
                    .iter()
                    .map(|l| LeadLink {
                        id: l.id.to_string(),
                        name: l.details.full_name(),
                        status: l.status.label().to_string(),
                        created: when(l.meta.created_at),
                    })
                    .collect(),
            }))
        }
        EntityType::WebForm => {
            let path = format!("/f/{}", text_of(json, "token"));
            let url = format!("{}{path}", s.config.public_url.trim_end_matches('/'));
            Ok(Some(CapturePanel::WebForm {
                iframe: format!(
                    "<iframe src=\"{url}\" title=\"Contact form\" style=\"border:0;width:100%;height:640px\"></iframe>"
                ),
                html: embed_html(&url, json),
                url,
            }))
        }
        _ => Ok(None),
    }
}
