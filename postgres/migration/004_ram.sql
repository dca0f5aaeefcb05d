-- Sub-users, groups, access policies and their attachments (RAM; see
-- ram.go and docs/ram.md). Mirrors the SQLite store's 004_ram.sql name for
-- name. Ids come from sequences that an import moves past its largest id
-- (AfterImport).

CREATE SEQUENCE ram_users_id_seq;
CREATE TABLE ram_users (
	id         bigint PRIMARY KEY DEFAULT nextval('ram_users_id_seq'),
	account_id bigint  NOT NULL REFERENCES accounts (id) DEFERRABLE,
	name       text COLLATE "C" NOT NULL,
	enabled    boolean NOT NULL,
	created_at bigint  NOT NULL,
	UNIQUE (account_id, name)
);
ALTER SEQUENCE ram_users_id_seq OWNED BY ram_users.id;

-- A key with a user_id belongs to that sub-user (of the same account); a
-- key without one is a root key of its account.
ALTER TABLE access_keys ADD COLUMN user_id bigint REFERENCES ram_users (id) DEFERRABLE;
CREATE INDEX access_keys_user ON access_keys (user_id) WHERE user_id IS NOT NULL;

CREATE SEQUENCE ram_groups_id_seq;
CREATE TABLE ram_groups (
	id         bigint PRIMARY KEY DEFAULT nextval('ram_groups_id_seq'),
	account_id bigint NOT NULL REFERENCES accounts (id) DEFERRABLE,
	name       text COLLATE "C" NOT NULL,
	created_at bigint NOT NULL,
	UNIQUE (account_id, name)
);
ALTER SEQUENCE ram_groups_id_seq OWNED BY ram_groups.id;

CREATE TABLE ram_group_members (
	group_id bigint NOT NULL REFERENCES ram_groups (id) DEFERRABLE,
	user_id  bigint NOT NULL REFERENCES ram_users (id) DEFERRABLE,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX ram_group_members_user ON ram_group_members (user_id);

CREATE SEQUENCE ram_policies_id_seq;
CREATE TABLE ram_policies (
	id          bigint PRIMARY KEY DEFAULT nextval('ram_policies_id_seq'),
	account_id  bigint NOT NULL REFERENCES accounts (id) DEFERRABLE,
	name        text COLLATE "C" NOT NULL,
	description text COLLATE "C" NOT NULL,
	document    text COLLATE "C" NOT NULL,
	created_at  bigint NOT NULL,
	UNIQUE (account_id, name)
);
ALTER SEQUENCE ram_policies_id_seq OWNED BY ram_policies.id;

CREATE TABLE ram_user_policies (
	user_id     bigint NOT NULL REFERENCES ram_users (id) DEFERRABLE,
	policy_id   bigint NOT NULL REFERENCES ram_policies (id) DEFERRABLE,
	attached_at bigint NOT NULL,
	PRIMARY KEY (user_id, policy_id)
);
CREATE INDEX ram_user_policies_policy ON ram_user_policies (policy_id);

CREATE TABLE ram_group_policies (
	group_id    bigint NOT NULL REFERENCES ram_groups (id) DEFERRABLE,
	policy_id   bigint NOT NULL REFERENCES ram_policies (id) DEFERRABLE,
	attached_at bigint NOT NULL,
	PRIMARY KEY (group_id, policy_id)
);
CREATE INDEX ram_group_policies_policy ON ram_group_policies (policy_id);

-- At most one row (id 1), made by the first change: its version grows with
-- every change to what a sub-user may do, in that change's transaction, so
-- that every replica's cache of compiled policies can tell in one read
-- whether it is current.
CREATE TABLE ram_version (
	id      bigint PRIMARY KEY CHECK (id = 1),
	version bigint NOT NULL
);
