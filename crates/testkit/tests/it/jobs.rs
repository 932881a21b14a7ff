//! The background job worker: the purge job removes expired sessions and reschedules itself
//! (beside the activity-reminder job, which runs every minute).

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;

#[tokio::test]
async fn purge_job_removes_expired_sessions_and_recurs() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let _ = t.session_as(&rep).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions")
            .fetch_one(t.store.pool())
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);
    t.app.ensure_recurring_jobs().await.unwrap();
    t.app.ensure_recurring_jobs().await.unwrap();
    assert_eq!(
        t.app.drain_jobs("test").await.unwrap(),
        6,
        "each recurring job (purge, activity reminders, quote expiry, invoice reminders, order settlement, forecast snapshot) once, however often it is ensured"
    );
    assert_eq!(count().await, 1, "a live session stays");
    t.clock.advance(jiff::SignedDuration::from_hours(9));
    assert_eq!(
        t.app.drain_jobs("test").await.unwrap(),
        6,
        "every job ran again after its interval"
    );
    assert_eq!(count().await, 0, "the idle session was purged");
    assert_eq!(
        t.app.drain_jobs("test").await.unwrap(),
        0,
        "nothing due until the next interval"
    );
    t.shutdown().await;
}
