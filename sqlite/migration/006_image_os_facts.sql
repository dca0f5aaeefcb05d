-- The OS facts and vendor fields the Alibaba and Baidu dialects report
-- (docs/aliyun.md, docs/baidu.md), and key/value tags. Existing rows get
-- empty facts; booleans are 0.
ALTER TABLE images ADD COLUMN os_name_en              TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN os_version              TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN os_lang                 TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN platform                TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN architecture            TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN boot_mode               TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN image_family            TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN image_version           TEXT    NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN is_support_io_optimized INTEGER NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN is_support_cloudinit    INTEGER NOT NULL DEFAULT 0;

-- One row per tag key of an image; the primary key orders an image's tags
-- by key, and image_key_tags_kv serves DescribeImages' Tag.N filter.
CREATE TABLE image_key_tags (
	image_id  TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
	tag_key   TEXT NOT NULL,
	tag_value TEXT NOT NULL,
	PRIMARY KEY (image_id, tag_key)
) WITHOUT ROWID;
CREATE INDEX image_key_tags_kv ON image_key_tags (tag_key, tag_value, image_id);
