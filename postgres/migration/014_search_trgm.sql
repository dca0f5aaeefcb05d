-- Name and author search of three characters or more through pg_trgm
-- (issue 18, docs/postgres.md "Search"). The name_keys/author_keys GIN
-- indexes of 002 hold every trigram of a name as an array element, and a
-- query must find all of its trigrams there; pg_trgm's GIN operator class
-- answers LIKE '%...%' on the folded columns directly, scanning its rarest
-- trigrams' posting lists first, and the LIKE is rechecked on each row it
-- yields. The keys of 002 stay for queries of one or two characters, which
-- trigrams cannot serve.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner,
-- or any role with CREATE on the database, may create it without being a
-- superuser. A database with the extension already (installed by an
-- administrator, in any schema) needs no privilege: IF NOT EXISTS leaves
-- it, and the operator class is named in whatever schema holds it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

DO $$
DECLARE
	ext_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
BEGIN
	-- fastupdate off, as for 002's search indexes: catalog writes are rare
	-- next to searches, and a pending list slows every search until merged.
	EXECUTE format('CREATE INDEX images_community_name_trgm ON images USING gin (name_fold %I.gin_trgm_ops) WITH (fastupdate = off) WHERE type = ''Community''', ext_schema);
	EXECUTE format('CREATE INDEX images_community_author_trgm ON images USING gin (author_fold %I.gin_trgm_ops) WITH (fastupdate = off) WHERE type = ''Community''', ext_schema);
END
$$;
