-- Initial schema. It mirrors the SQLite store's tables and columns name
-- for name, so that `imageshare export`/`import` move rows between the two
-- unchanged; only the types are PostgreSQL's. Times are bigint unix
-- nanoseconds (0 = unset), which keeps every instant to the nanosecond.
--
-- Every text column has the "C" collation: it orders and compares bytewise,
-- as SQLite does, whatever the database's default collation.
--
-- Foreign keys are DEFERRABLE (INITIALLY IMMEDIATE, so they behave as usual)
-- only so that an import can defer them to its commit.

CREATE SEQUENCE accounts_id_seq;

CREATE TABLE accounts (
	id              bigint PRIMARY KEY DEFAULT nextval('accounts_id_seq'),
	name            text COLLATE "C" NOT NULL UNIQUE,
	organization_id bigint NOT NULL,
	created_at      bigint NOT NULL
);
ALTER SEQUENCE accounts_id_seq OWNED BY accounts.id;

-- seq is the insertion order, which breaks ties between keys created in
-- the same nanosecond as SQLite's rowid does. It is derived: an export
-- writes the rows in its order and leaves it out.
CREATE TABLE access_keys (
	public_key  text COLLATE "C" PRIMARY KEY,
	private_key text COLLATE "C" NOT NULL,
	account_id  bigint  NOT NULL REFERENCES accounts (id) DEFERRABLE,
	enabled     boolean NOT NULL,
	created_at  bigint  NOT NULL,
	seq         bigint  GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX access_keys_account ON access_keys (account_id, created_at, seq);

CREATE TABLE regions (
	name text COLLATE "C" PRIMARY KEY
);

CREATE TABLE instances (
	id         text COLLATE "C" PRIMARY KEY,
	owner_id   bigint NOT NULL REFERENCES accounts (id) DEFERRABLE,
	region     text COLLATE "C" NOT NULL,
	gpu_type   text COLLATE "C" NOT NULL,
	created_at bigint NOT NULL
);
CREATE INDEX instances_owner ON instances (owner_id);

-- owner_id is NULL for platform images (the domain's OwnerID 0) so that
-- the foreign key holds for every owned image.
CREATE TABLE images (
	id               text COLLATE "C" PRIMARY KEY,
	region           text COLLATE "C" NOT NULL,
	owner_id         bigint           REFERENCES accounts (id) DEFERRABLE,
	type             text COLLATE "C" NOT NULL,
	status           text COLLATE "C" NOT NULL,
	name             text COLLATE "C" NOT NULL,
	-- name_fold is the name case-folded by the application (Go's
	-- strings.ToLower), so that NameContains matches as on SQLite whatever
	-- the database's collation.
	name_fold        text COLLATE "C" NOT NULL,
	description      text COLLATE "C" NOT NULL,
	size_mb          bigint           NOT NULL,
	created_at       bigint           NOT NULL,
	readme           text COLLATE "C" NOT NULL,
	cover            text COLLATE "C" NOT NULL,
	author           text COLLATE "C" NOT NULL,
	auth_info        bigint           NOT NULL,
	auto_start       boolean          NOT NULL,
	container        boolean          NOT NULL,
	image_charge     boolean          NOT NULL,
	price            double precision NOT NULL,
	is_official      boolean          NOT NULL,
	visibility       bigint           NOT NULL,
	softwares        text COLLATE "C" NOT NULL,
	source_gpu_type  text COLLATE "C" NOT NULL,
	source_instance  text COLLATE "C" NOT NULL,
	failed_reason    text COLLATE "C" NOT NULL,
	group_id         text COLLATE "C" NOT NULL,
	version_name     text COLLATE "C" NOT NULL,
	version_desc     text COLLATE "C" NOT NULL,
	created_count    bigint           NOT NULL,
	favorites_count  bigint           NOT NULL,
	image_use_time   bigint           NOT NULL,
	published_at     bigint           NOT NULL,
	is_public        boolean          NOT NULL,
	os_name          text COLLATE "C" NOT NULL,
	os_type          text COLLATE "C" NOT NULL,
	build_started_at bigint           NOT NULL,
	build_done_at    bigint           NOT NULL
);
CREATE INDEX images_created ON images (created_at, id);
CREATE INDEX images_owner ON images (owner_id, created_at, id);
CREATE INDEX images_type ON images (type, created_at, id);

CREATE TABLE image_tags (
	image_id text COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE DEFERRABLE,
	position bigint NOT NULL,
	tag      text COLLATE "C" NOT NULL,
	PRIMARY KEY (image_id, position)
);
CREATE INDEX image_tags_tag ON image_tags (tag, image_id);

CREATE TABLE shares (
	image_id   text COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE DEFERRABLE,
	account_id bigint NOT NULL REFERENCES accounts (id) DEFERRABLE,
	shared_at  bigint NOT NULL,
	shared_by  bigint NOT NULL,
	PRIMARY KEY (image_id, account_id)
);
CREATE INDEX shares_image_time ON shares (image_id, shared_at, account_id);
CREATE INDEX shares_account ON shares (account_id);

CREATE TABLE nonces (
	nonce      text COLLATE "C" PRIMARY KEY,
	expires_at bigint NOT NULL
);
CREATE INDEX nonces_expiry ON nonces (expires_at);
