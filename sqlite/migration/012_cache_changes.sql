-- The cache change log (docs/caching.md): every committed change to a
-- table that storecache's read caches come from adds rows here, written by
-- triggers so that no write path is missed (serve, the admin CLI writing
-- the file directly, import, seed). A cache reads the rows after the last
-- id it applied and drops what they name. SQLite has one writer at a time,
-- so AUTOINCREMENT ids are in commit order and never reused.
--
-- kind: a account (key: id; 'A' when an account is renamed or removed,
-- which changes the share lists naming it), k access key (public
-- key), g regions, i image (id; its tags, key tags and instances too),
-- s shares (image id), r RAM (any RAM table), * everything (a bulk load).
--
-- Every statement is IF NOT EXISTS: sqlite.BulkLoader drops the triggers
-- for a load and runs this file again when it is done, and Open runs it
-- again if a load died without doing so (sqlite/cachelog.go).
CREATE TABLE IF NOT EXISTS cache_changes (
	id   INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	key  TEXT NOT NULL
);

-- The log prunes itself: every 1000th row deletes the rows 10000 ids
-- behind it, so at most about 11000 rows are kept. A reader further
-- behind than 10000 ids flushes its caches (sqlite/cachelog.go).
CREATE TRIGGER IF NOT EXISTS cache_changes_prune AFTER INSERT ON cache_changes WHEN new.id % 1000 = 0
BEGIN
	DELETE FROM cache_changes WHERE id <= new.id - 10000;
END;


CREATE TRIGGER IF NOT EXISTS cache_log_accounts_insert AFTER INSERT ON accounts
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('a', CAST(new.id AS TEXT));
END;
CREATE TRIGGER IF NOT EXISTS cache_log_accounts_update AFTER UPDATE ON accounts
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES (CASE WHEN old.name IS new.name THEN 'a' ELSE 'A' END, CAST(old.id AS TEXT));
	INSERT INTO cache_changes (kind, key) SELECT 'A', CAST(new.id AS TEXT) WHERE new.id IS NOT old.id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_accounts_delete AFTER DELETE ON accounts
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('A', CAST(old.id AS TEXT));
END;

CREATE TRIGGER IF NOT EXISTS cache_log_access_keys_insert AFTER INSERT ON access_keys
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('k', new.public_key);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_access_keys_update AFTER UPDATE ON access_keys
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('k', old.public_key);
	INSERT INTO cache_changes (kind, key) SELECT 'k', new.public_key WHERE new.public_key IS NOT old.public_key;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_access_keys_delete AFTER DELETE ON access_keys
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('k', old.public_key);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_regions_insert AFTER INSERT ON regions
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('g', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_regions_update AFTER UPDATE ON regions
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('g', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_regions_delete AFTER DELETE ON regions
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('g', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_images_insert AFTER INSERT ON images
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', new.id);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_images_update AFTER UPDATE ON images
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.id);
	INSERT INTO cache_changes (kind, key) SELECT 'i', new.id WHERE new.id IS NOT old.id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_images_delete AFTER DELETE ON images
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.id);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_image_tags_insert AFTER INSERT ON image_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', new.image_id);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_image_tags_update AFTER UPDATE ON image_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
	INSERT INTO cache_changes (kind, key) SELECT 'i', new.image_id WHERE new.image_id IS NOT old.image_id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_image_tags_delete AFTER DELETE ON image_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_image_key_tags_insert AFTER INSERT ON image_key_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', new.image_id);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_image_key_tags_update AFTER UPDATE ON image_key_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
	INSERT INTO cache_changes (kind, key) SELECT 'i', new.image_id WHERE new.image_id IS NOT old.image_id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_image_key_tags_delete AFTER DELETE ON image_key_tags
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_shares_insert AFTER INSERT ON shares
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('s', new.image_id);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_shares_update AFTER UPDATE ON shares
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('s', old.image_id);
	INSERT INTO cache_changes (kind, key) SELECT 's', new.image_id WHERE new.image_id IS NOT old.image_id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_shares_delete AFTER DELETE ON shares
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('s', old.image_id);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_instances_insert AFTER INSERT ON instances
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', new.image_id);
END;
CREATE TRIGGER IF NOT EXISTS cache_log_instances_update AFTER UPDATE ON instances
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
	INSERT INTO cache_changes (kind, key) SELECT 'i', new.image_id WHERE new.image_id IS NOT old.image_id;
END;
CREATE TRIGGER IF NOT EXISTS cache_log_instances_delete AFTER DELETE ON instances
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('i', old.image_id);
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_users_insert AFTER INSERT ON ram_users
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_users_update AFTER UPDATE ON ram_users
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_users_delete AFTER DELETE ON ram_users
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_groups_insert AFTER INSERT ON ram_groups
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_groups_update AFTER UPDATE ON ram_groups
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_groups_delete AFTER DELETE ON ram_groups
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_members_insert AFTER INSERT ON ram_group_members
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_members_update AFTER UPDATE ON ram_group_members
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_members_delete AFTER DELETE ON ram_group_members
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_policies_insert AFTER INSERT ON ram_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_policies_update AFTER UPDATE ON ram_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_policies_delete AFTER DELETE ON ram_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_user_policies_insert AFTER INSERT ON ram_user_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_user_policies_update AFTER UPDATE ON ram_user_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_user_policies_delete AFTER DELETE ON ram_user_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_policies_insert AFTER INSERT ON ram_group_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_policies_update AFTER UPDATE ON ram_group_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_group_policies_delete AFTER DELETE ON ram_group_policies
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;

CREATE TRIGGER IF NOT EXISTS cache_log_ram_version_insert AFTER INSERT ON ram_version
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_version_update AFTER UPDATE ON ram_version
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
CREATE TRIGGER IF NOT EXISTS cache_log_ram_version_delete AFTER DELETE ON ram_version
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('r', '');
END;
