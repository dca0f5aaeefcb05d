-- Signature nonces (Alibaba's SignatureNonce and x-acs-signature-nonce)
-- get a table of their own, committed without an fsync per request, and
-- the guard that makes their loss in a machine crash detectable
-- (docs/nonces.md): the boot the records were last written in, the
-- durable bound above every signed time accepted, and the floor below
-- which a signed request is refused after a loss.
CREATE TABLE signature_nonces (
	nonce      TEXT    PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX signature_nonces_expiry ON signature_nonces (expires_at);

CREATE TABLE nonce_guard (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	boot_id TEXT    NOT NULL DEFAULT '', -- '' until a process first opens the store
	bound   INTEGER NOT NULL DEFAULT 0,  -- unix ns; no accepted request was signed after it
	floor   INTEGER NOT NULL DEFAULT 0,  -- unix ns; a request signed at or before it is refused
	lost_at INTEGER NOT NULL DEFAULT 0,  -- unix ns; when the last loss was found
	losses  INTEGER NOT NULL DEFAULT 0   -- how many losses were found
);

-- The Alibaba nonces recorded before this migration move with it; their
-- requests were signed before their expiry, which is the bound until the
-- next request raises it.
INSERT INTO signature_nonces (nonce, expires_at)
	SELECT nonce, expires_at FROM nonces WHERE substr(nonce, 1, 7) = 'aliyun:';
INSERT INTO nonce_guard (id, bound)
	SELECT 1, coalesce(max(expires_at), 0) FROM signature_nonces;
DELETE FROM nonces WHERE substr(nonce, 1, 7) = 'aliyun:';
