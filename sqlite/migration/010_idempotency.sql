-- The client tokens of creating calls (ClientToken, clientToken): one row
-- per account, action and token, with the hash of the call's canonical
-- parameters and, once it succeeded, what it made (docs/aliyun.md
-- "Idempotency"). result is '' while the call is in progress.
CREATE TABLE idempotency_keys (
	account_id  INTEGER NOT NULL,
	scope       TEXT    NOT NULL,
	token       TEXT    NOT NULL,
	params_hash TEXT    NOT NULL,
	result      TEXT    NOT NULL DEFAULT '',
	claim       TEXT    NOT NULL,
	claimed_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, scope, token)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
