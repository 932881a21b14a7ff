//! Form submissions: create, update, archive, restore, lead status.

use salesflow_app::activities::Completion;
use salesflow_app::opportunities::StageMove;
use salesflow_app::records::HandOff;
use salesflow_domain::opportunity::Opportunity;

use super::*;

pub(super) async fn create<E: WebResource>(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let result = match input_from_form::<E>(&form) {
        Ok(input) => s.app.create::<E>(&user.actor, &input, Origin::Ui).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(record) => {
            let own_page = format!("/{}/{}", E::PATH, record.uuid());
            Redirect::to(&return_to(&form, &own_page)).into_response()
        }
        Err(error) => form_with_error::<E>(&s, &user, form, error, None).await,
    }
}

/// Where a form asks to go back to: a plain path on this site (the sign-in page's rule: no
/// `//host`, backslashes, whitespace or control characters, which browsers strip or bend
/// into another host), or `fallback`.
pub fn return_to(form: &HashMap<String, String>, fallback: &str) -> String {
    form.get("return_to")
        .map(|p| crate::ui::auth::safe_next(p))
        .filter(|p| *p != "/")
        .map_or_else(|| fallback.to_string(), str::to_string)
}

/// Marks an activity done from its page, a record page or My day.
pub async fn complete_activity(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = Completion {
        outcome: form.get("outcome").cloned(),
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    match s.app.complete_activity(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&return_to(&form, &format!("/activities/{id}"))).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn update<E: WebResource>(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let result = match input_from_form::<E>(&form) {
        Ok(input) => s.app.update::<E>(&user.actor, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(record) => Redirect::to(&format!("/{}/{}", E::PATH, record.uuid())).into_response(),
        Err(error) => form_with_error::<E>(&s, &user, form, error, Some(id)).await,
    }
}

/// Archive (`ARCHIVED = true`) or restore a record from its page.
pub(super) async fn set_archived<E: WebResource, const ARCHIVED: bool>(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let version = form.get("version").and_then(|v| v.parse().ok());
    match s
        .app
        .set_archived::<E>(&user.actor, id, version, ARCHIVED)
        .await
    {
        Ok(_) => Redirect::to(&format!("/{}/{id}", E::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn lead_status(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = (|| {
        Some(LeadTransition {
            action: form.get("action")?.parse().ok()?,
            reason: form.get("reason").cloned(),
            version: form.get("version")?.parse().ok()?,
        })
    })();
    let Some(request) = request else {
        return app_error_page(AppError::invalid(
            "action",
            "invalid_choice",
            "unknown action",
        ));
    };
    match s.app.transition_lead(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/{}/{id}", Lead::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// Hands a lead or opportunity over from its page.
pub async fn hand_off<E: WebResource>(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = HandOff {
        owner_id: form.get("owner_id").cloned().unwrap_or_default(),
        reason: form.get("reason").cloned().unwrap_or_default(),
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    match s.app.hand_off::<E>(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/{}/{id}", E::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// Moves an opportunity from its page or by dragging its card on the board. The board sends
/// `Accept: application/json` and gets the new version, or the refusal as an error body.
pub async fn move_opportunity(
    State(s): State<AppState>,
    PathId(id): PathId,
    headers: HeaderMap,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let request = StageMove {
        stage_id: form.get("stage_id").cloned().unwrap_or_default(),
        lost_reason: form.get("lost_reason").cloned(),
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    let result = s.app.move_opportunity(&user.actor, id, &request).await;
    match (result, wants_json) {
        (Ok(o), true) => axum::Json(serde_json::json!({ "opportunity": o })).into_response(),
        (Err(e), true) => crate::error::ApiError(e).into_response(),
        (Ok(_), false) => Redirect::to(&format!("/{}/{id}", Opportunity::PATH)).into_response(),
        (Err(e), false) => app_error_page(e),
    }
}

/// Merges a duplicate into the record from its page.
pub async fn merge<E: WebResource + salesflow_app::merge::MergeEntity>(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let number = |k: &str| form.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    let request = salesflow_app::merge::MergeRequest {
        other_id: form.get("other_id").cloned().unwrap_or_default(),
        version: number("version"),
        other_version: number("other_version"),
    };
    match s.app.merge::<E>(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/{}/{id}", E::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::return_to;

    #[test]
    fn return_to_stays_on_this_site() {
        let form = |p: &str| HashMap::from([("return_to".to_string(), p.to_string())]);
        assert_eq!(return_to(&form("/my-day?x=1"), "/f"), "/my-day?x=1");
        for bad in [
            "/\t/evil.example/",
            "/\n/evil.example/",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            " /leads",
        ] {
            assert_eq!(return_to(&form(bad), "/fallback"), "/fallback", "{bad:?}");
        }
        assert_eq!(return_to(&HashMap::new(), "/fallback"), "/fallback");
    }
}
