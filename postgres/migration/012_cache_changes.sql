-- The cache change log (docs/caching.md), as in the SQLite store's
-- 012_cache_changes.sql: triggers add a row for every change to a table
-- the read caches (storecache) come from, so that no write path is
-- missed, whichever replica or tool makes it.
--
-- Concurrent transactions take ids out of commit order, so a reader does
-- not read "the ids after the last one I applied": it keeps the snapshot
-- of its previous read and reads the rows of the transactions that
-- snapshot did not see (xid at or above its xmin and not visible in it,
-- postgres/cachelog.go). No lock orders the writers.
--
-- kind: a account (key: id; 'A' when renamed or removed), k access key
-- (public key), g regions, i image (id; its tags, key tags and instances
-- too), s shares (image id), r RAM (any RAM table), * everything.
-- xid is the transaction id as a bigint (an xid8 is a 64-bit counter):
-- the planner estimates ranges of bigints from the statistics, of xid8s
-- not at all (a third of the table, so a scan of the whole log).
CREATE TABLE cache_changes (
	id   bigserial PRIMARY KEY,
	xid  bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
	kind text COLLATE "C" NOT NULL,
	key  text COLLATE "C" NOT NULL
);
CREATE INDEX cache_changes_xid ON cache_changes (xid);

-- The largest xid among pruned rows: a reader whose previous snapshot
-- might not have seen one of them (xid >= its xmin) flushes everything.
CREATE TABLE cache_changes_horizon (
	id  integer PRIMARY KEY CHECK (id = 1),
	xid bigint NOT NULL
);
INSERT INTO cache_changes_horizon (id, xid) VALUES (1, 0);

-- cache_log(kind, key column): the row trigger of every logged table.
-- Every 1000th id prunes the rows 10000 ids behind it.
CREATE FUNCTION cache_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	kind   text := TG_ARGV[0];
	col    text := TG_ARGV[1];
	oldkey text;
	newkey text;
	newid  bigint;
BEGIN
	IF TG_OP <> 'INSERT' THEN
		oldkey := CASE WHEN col = '' THEN '' ELSE to_jsonb(OLD) ->> col END;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		newkey := CASE WHEN col = '' THEN '' ELSE to_jsonb(NEW) ->> col END;
	END IF;
	-- Nested, and through jsonb: the expression is planned for the
	-- table's row type, which only accounts' has a name in.
	IF TG_TABLE_NAME = 'accounts' THEN
		IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND to_jsonb(OLD) ->> 'name' IS DISTINCT FROM to_jsonb(NEW) ->> 'name') THEN
			kind := 'A';
		END IF;
	END IF;
	IF oldkey IS NOT NULL THEN
		INSERT INTO cache_changes (kind, key) VALUES (kind, oldkey) RETURNING id INTO newid;
	END IF;
	IF newkey IS NOT NULL AND newkey IS DISTINCT FROM oldkey THEN
		INSERT INTO cache_changes (kind, key) VALUES (kind, newkey) RETURNING id INTO newid;
	END IF;
	IF newid % 1000 = 0 THEN
		WITH d AS (DELETE FROM cache_changes WHERE id <= newid - 10000 RETURNING xid)
		UPDATE cache_changes_horizon SET xid = greatest(cache_changes_horizon.xid, (SELECT max(d.xid) FROM d))
		WHERE EXISTS (SELECT 1 FROM d);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION cache_log('a', 'id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON access_keys FOR EACH ROW EXECUTE FUNCTION cache_log('k', 'public_key');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON regions FOR EACH ROW EXECUTE FUNCTION cache_log('g', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON images FOR EACH ROW EXECUTE FUNCTION cache_log('i', 'id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON image_tags FOR EACH ROW EXECUTE FUNCTION cache_log('i', 'image_id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON image_key_tags FOR EACH ROW EXECUTE FUNCTION cache_log('i', 'image_id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON shares FOR EACH ROW EXECUTE FUNCTION cache_log('s', 'image_id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON instances FOR EACH ROW EXECUTE FUNCTION cache_log('i', 'image_id');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_users FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_groups FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_group_members FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_policies FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_user_policies FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_group_policies FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');
CREATE TRIGGER cache_log AFTER INSERT OR UPDATE OR DELETE ON ram_version FOR EACH ROW EXECUTE FUNCTION cache_log('r', '');

-- TRUNCATE fires no row trigger: it logs a flush.
CREATE FUNCTION cache_log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO cache_changes (kind, key) VALUES ('*', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON access_keys FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON regions FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON images FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON image_tags FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON image_key_tags FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON shares FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON instances FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_users FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_groups FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_group_members FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_policies FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_user_policies FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_group_policies FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
CREATE TRIGGER cache_log_truncate AFTER TRUNCATE ON ram_version FOR EACH STATEMENT EXECUTE FUNCTION cache_log_truncate();
