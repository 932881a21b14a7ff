//! Form submissions: create, update, archive, restore, lead status.

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
        Ok(record) => Redirect::to(&format!("/{}/{}", E::PATH, record.uuid())).into_response(),
        Err(error) => form_with_error::<E>(&s, &user, form, error, None).await,
    }
}

pub(super) async fn update<E: WebResource>(
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
