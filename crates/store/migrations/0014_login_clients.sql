-- Sign-in throttling per (account, client address), with a per-account backstop.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
DROP INDEX login_failures_email_at;
CREATE INDEX login_failures_email_at ON login_failures (email, at);
CREATE INDEX login_failures_email_client_at ON login_failures (email, client, at);
