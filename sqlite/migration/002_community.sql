-- The custom-image lifecycle and the community catalog: indexes for the
-- build finisher and the catalog's queries, and the name/author search
-- index. Community versions are rows of images with type 'Community'.

-- Builds still running, by when they are due (FinishBuilds).
CREATE INDEX images_building ON images (build_done_at) WHERE status = 'Making';

-- An owner's custom images by name (CreateCustomImage's uniqueness check).
CREATE INDEX images_owner_type_name ON images (owner_id, type, name);

-- The catalog's access paths. Each leads with type so that, given
-- type = 'Community' and its own columns, the planner prefers it to the
-- one-column images_type index even without statistics.
--   the catalog of a region by status (the public catalog):
CREATE INDEX images_community ON images (type, region, status, published_at);
--   by status alone (review queues):
CREATE INDEX images_community_status ON images (type, status, created_at);
--   a version group's versions. An image without a group id is a group of
--   its own; queries spell this expression exactly so that the index serves it:
CREATE INDEX images_community_group ON images (type, COALESCE(NULLIF(group_id, ''), id), created_at);
--   by author:
CREATE INDEX images_community_author ON images (type, author);

-- Publishers by organization (DescribeUserCommunityImages' TargetTopOrganizationId).
CREATE INDEX accounts_organization ON accounts (organization_id);

-- Name and author search. Every Community image gets a stable integer key
-- (images has no INTEGER PRIMARY KEY, so its rowid may change on VACUUM)
-- that is the rowid of its rows in two FTS5 indexes:
--   community_trigrams: substrings of three characters or more, case-folded;
--   community_words: word prefixes of one or two characters, for queries
--   too short for trigrams.
-- Triggers keep them in step with images whoever writes the row.
CREATE TABLE community_search_keys (
	seq      INTEGER PRIMARY KEY,
	image_id TEXT    NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE community_trigrams USING fts5 (name, author, tokenize = 'trigram');
CREATE VIRTUAL TABLE community_words USING fts5 (name, author, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2');

INSERT INTO community_search_keys (image_id) SELECT id FROM images WHERE type = 'Community' ORDER BY created_at, id;
INSERT INTO community_trigrams (rowid, name, author)
	SELECT k.seq, i.name, i.author FROM community_search_keys k JOIN images i ON i.id = k.image_id;
INSERT INTO community_words (rowid, name, author)
	SELECT k.seq, i.name, i.author FROM community_search_keys k JOIN images i ON i.id = k.image_id;

CREATE TRIGGER community_search_insert AFTER INSERT ON images WHEN new.type = 'Community'
BEGIN
	INSERT INTO community_search_keys (image_id) VALUES (new.id);
	INSERT INTO community_trigrams (rowid, name, author)
		VALUES ((SELECT seq FROM community_search_keys WHERE image_id = new.id), new.name, new.author);
	INSERT INTO community_words (rowid, name, author)
		VALUES ((SELECT seq FROM community_search_keys WHERE image_id = new.id), new.name, new.author);
END;

CREATE TRIGGER community_search_update AFTER UPDATE OF name, author ON images WHEN new.type = 'Community'
BEGIN
	UPDATE community_trigrams SET name = new.name, author = new.author
		WHERE rowid = (SELECT seq FROM community_search_keys WHERE image_id = new.id);
	UPDATE community_words SET name = new.name, author = new.author
		WHERE rowid = (SELECT seq FROM community_search_keys WHERE image_id = new.id);
END;

CREATE TRIGGER community_search_delete AFTER DELETE ON images WHEN old.type = 'Community'
BEGIN
	DELETE FROM community_trigrams WHERE rowid = (SELECT seq FROM community_search_keys WHERE image_id = old.id);
	DELETE FROM community_words WHERE rowid = (SELECT seq FROM community_search_keys WHERE image_id = old.id);
	DELETE FROM community_search_keys WHERE image_id = old.id;
END;
