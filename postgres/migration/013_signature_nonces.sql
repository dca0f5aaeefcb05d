-- Signature nonces (Alibaba's SignatureNonce and x-acs-signature-nonce)
-- get an UNLOGGED table of their own: no WAL, so no fsync per request,
-- shared by every replica. PostgreSQL's crash recovery empties an
-- unlogged table; the sentinel row (nonce '') is how a replica sees that
-- it was emptied, and the logged nonce_guard keeps what the loss rule
-- needs (docs/nonces.md): the bound above every signed time accepted,
-- and the floor below which a signed request is refused after a loss.
CREATE UNLOGGED TABLE signature_nonces (
	nonce      text COLLATE "C" PRIMARY KEY,
	expires_at bigint NOT NULL
);
CREATE INDEX signature_nonces_expiry ON signature_nonces (expires_at);
INSERT INTO signature_nonces (nonce, expires_at) VALUES ('', 9223372036854775807);

CREATE TABLE nonce_guard (
	id      integer PRIMARY KEY CHECK (id = 1),
	bound   bigint  NOT NULL DEFAULT 0, -- unix ns; no accepted request was signed after it
	floor   bigint  NOT NULL DEFAULT 0, -- unix ns; a request signed at or before it is refused
	lost_at bigint  NOT NULL DEFAULT 0, -- unix ns; when the last loss was found
	losses  integer NOT NULL DEFAULT 0  -- how many losses were found
);

-- The Alibaba nonces recorded before this migration move with it; their
-- requests were signed before their expiry, which is the bound until the
-- next request raises it.
INSERT INTO signature_nonces (nonce, expires_at)
	SELECT nonce, expires_at FROM nonces WHERE starts_with(nonce, 'aliyun:');
INSERT INTO nonce_guard (id, bound)
	SELECT 1, coalesce(max(expires_at), 0) FROM signature_nonces WHERE nonce <> '';
DELETE FROM nonces WHERE starts_with(nonce, 'aliyun:');
