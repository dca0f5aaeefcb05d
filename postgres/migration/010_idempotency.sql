-- The client tokens of creating calls (ClientToken, clientToken): one row
-- per account, action and token, with the hash of the call's canonical
-- parameters and, once it succeeded, what it made (docs/aliyun.md
-- "Idempotency"). result is '' while the call is in progress.
CREATE TABLE idempotency_keys (
	account_id  bigint          NOT NULL,
	scope       text COLLATE "C" NOT NULL,
	token       text COLLATE "C" NOT NULL,
	params_hash text COLLATE "C" NOT NULL,
	result      text COLLATE "C" NOT NULL DEFAULT '',
	claim       text COLLATE "C" NOT NULL,
	claimed_at  bigint          NOT NULL,
	expires_at  bigint          NOT NULL,
	PRIMARY KEY (account_id, scope, token)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
