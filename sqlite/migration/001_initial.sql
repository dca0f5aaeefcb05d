-- Initial schema. Times are INTEGER unix nanoseconds (0 = unset).

CREATE TABLE accounts (
	id              INTEGER PRIMARY KEY,
	name            TEXT    NOT NULL UNIQUE,
	organization_id INTEGER NOT NULL,
	created_at      INTEGER NOT NULL
);

CREATE TABLE access_keys (
	public_key  TEXT    PRIMARY KEY,
	private_key TEXT    NOT NULL,
	account_id  INTEGER NOT NULL REFERENCES accounts (id),
	enabled     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX access_keys_account ON access_keys (account_id, created_at);

CREATE TABLE regions (
	name TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE instances (
	id         TEXT    PRIMARY KEY,
	owner_id   INTEGER NOT NULL REFERENCES accounts (id),
	region     TEXT    NOT NULL,
	gpu_type   TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX instances_owner ON instances (owner_id);

-- owner_id is NULL for platform images (the domain's OwnerID 0) so that
-- the foreign key holds for every owned image.
CREATE TABLE images (
	id               TEXT    PRIMARY KEY,
	region           TEXT    NOT NULL,
	owner_id         INTEGER REFERENCES accounts (id),
	type             TEXT    NOT NULL,
	status           TEXT    NOT NULL,
	name             TEXT    NOT NULL,
	-- name_fold is the lower-cased name that NameContains searches.
	name_fold        TEXT    NOT NULL,
	description      TEXT    NOT NULL,
	size_mb          INTEGER NOT NULL,
	created_at       INTEGER NOT NULL,
	readme           TEXT    NOT NULL,
	cover            TEXT    NOT NULL,
	author           TEXT    NOT NULL,
	auth_info        INTEGER NOT NULL,
	auto_start       INTEGER NOT NULL,
	container        INTEGER NOT NULL,
	image_charge     INTEGER NOT NULL,
	price            REAL    NOT NULL,
	is_official      INTEGER NOT NULL,
	visibility       INTEGER NOT NULL,
	softwares        TEXT    NOT NULL,
	source_gpu_type  TEXT    NOT NULL,
	source_instance  TEXT    NOT NULL,
	failed_reason    TEXT    NOT NULL,
	group_id         TEXT    NOT NULL,
	version_name     TEXT    NOT NULL,
	version_desc     TEXT    NOT NULL,
	created_count    INTEGER NOT NULL,
	favorites_count  INTEGER NOT NULL,
	image_use_time   INTEGER NOT NULL,
	published_at     INTEGER NOT NULL,
	is_public        INTEGER NOT NULL,
	os_name          TEXT    NOT NULL,
	os_type          TEXT    NOT NULL,
	build_started_at INTEGER NOT NULL,
	build_done_at    INTEGER NOT NULL
);
CREATE INDEX images_created ON images (created_at, id);
CREATE INDEX images_owner ON images (owner_id, created_at, id);
CREATE INDEX images_type ON images (type, created_at, id);

CREATE TABLE image_tags (
	image_id TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	tag      TEXT    NOT NULL,
	PRIMARY KEY (image_id, position)
) WITHOUT ROWID;
CREATE INDEX image_tags_tag ON image_tags (tag, image_id);

CREATE TABLE shares (
	image_id   TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	shared_at  INTEGER NOT NULL,
	shared_by  INTEGER NOT NULL,
	PRIMARY KEY (image_id, account_id)
) WITHOUT ROWID;
CREATE INDEX shares_image_time ON shares (image_id, shared_at, account_id);
CREATE INDEX shares_account ON shares (account_id);

CREATE TABLE nonces (
	nonce      TEXT    PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expires_at);
