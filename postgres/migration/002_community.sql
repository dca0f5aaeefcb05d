-- The custom-image lifecycle and the community catalog: the indexes the
-- SQLite store's 002 adds, and the name/author search keys. Community
-- versions are rows of images with type 'Community'.

-- Builds still running, by when they are due (FinishBuilds).
CREATE INDEX images_building ON images (build_done_at, id) WHERE status = 'Making';

-- An owner's custom images by name (CreateCustomImage's uniqueness check).
CREATE INDEX images_custom_name ON images (owner_id, name) WHERE type = 'Custom';

-- The catalog of a region by status (the public catalog, review queues).
CREATE INDEX images_community ON images (region, status, published_at) WHERE type = 'Community';
CREATE INDEX images_community_status ON images (status, created_at) WHERE type = 'Community';
-- A version group's versions. An image without a group id is a group of
-- its own; queries use this exact expression so that the index serves them.
CREATE INDEX images_community_group ON images ((COALESCE(NULLIF(group_id, ''), id)), created_at) WHERE type = 'Community';
CREATE INDEX images_community_author ON images (author) WHERE type = 'Community';

-- Publishers by organization (DescribeUserCommunityImages' TargetTopOrganizationId).
CREATE INDEX accounts_organization ON accounts (organization_id);

-- Name and author search without an extension. The application derives
-- the keys (see search.go) whenever it writes a name or an author:
--   author_fold: the author case-folded, as name_fold is the name;
--   name_keys, author_keys: every three-character substring of the folded
--   text, for queries of three characters or more, and the first one and
--   two characters of every word, for shorter queries.
-- A query looks its keys up in a GIN index, then confirms the match with
-- LIKE on the folded text. These columns are derived: export leaves them
-- out and import derives them again.
ALTER TABLE images
	ADD COLUMN author_fold text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN name_keys   text[] COLLATE "C" NOT NULL DEFAULT '{}',
	ADD COLUMN author_keys text[] COLLATE "C" NOT NULL DEFAULT '{}';
-- fastupdate off: catalog writes are rare next to searches, and a GIN
-- pending list would make searches slower (and the planner shy of the
-- index) until a vacuum merged it.
CREATE INDEX images_community_name_keys ON images USING gin (name_keys) WITH (fastupdate = off) WHERE type = 'Community';
CREATE INDEX images_community_author_keys ON images USING gin (author_keys) WITH (fastupdate = off) WHERE type = 'Community';
