-- Sub-users, groups, access policies and their attachments (RAM; see
-- ram.go and docs/ram.md). Version 3 is left to other stores' numbering.

CREATE TABLE ram_users (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	name       TEXT    NOT NULL,
	enabled    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, name)
);

-- A key with a user_id belongs to that sub-user (of the same account); a
-- key without one is a root key of its account.
ALTER TABLE access_keys ADD COLUMN user_id INTEGER REFERENCES ram_users (id);
CREATE INDEX access_keys_user ON access_keys (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE ram_groups (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, name)
);

CREATE TABLE ram_group_members (
	group_id INTEGER NOT NULL REFERENCES ram_groups (id),
	user_id  INTEGER NOT NULL REFERENCES ram_users (id),
	PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX ram_group_members_user ON ram_group_members (user_id);

CREATE TABLE ram_policies (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id),
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL,
	document    TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, name)
);

CREATE TABLE ram_user_policies (
	user_id     INTEGER NOT NULL REFERENCES ram_users (id),
	policy_id   INTEGER NOT NULL REFERENCES ram_policies (id),
	attached_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, policy_id)
) WITHOUT ROWID;
CREATE INDEX ram_user_policies_policy ON ram_user_policies (policy_id);

CREATE TABLE ram_group_policies (
	group_id    INTEGER NOT NULL REFERENCES ram_groups (id),
	policy_id   INTEGER NOT NULL REFERENCES ram_policies (id),
	attached_at INTEGER NOT NULL,
	PRIMARY KEY (group_id, policy_id)
) WITHOUT ROWID;
CREATE INDEX ram_group_policies_policy ON ram_group_policies (policy_id);

-- At most one row (id 1), made by the first change: its version grows with
-- every change to what a sub-user may do, so that each replica's cache of
-- compiled policies can tell in one read whether it is current.
CREATE TABLE ram_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
