-- The OS facts and vendor fields the Alibaba and Baidu dialects report
-- (docs/aliyun.md, docs/baidu.md), and key/value tags. Existing rows get
-- empty facts and false.
ALTER TABLE images
	ADD COLUMN os_name_en              text    NOT NULL DEFAULT '',
	ADD COLUMN os_version              text    NOT NULL DEFAULT '',
	ADD COLUMN os_lang                 text    NOT NULL DEFAULT '',
	ADD COLUMN platform                text    NOT NULL DEFAULT '',
	ADD COLUMN architecture            text    NOT NULL DEFAULT '',
	ADD COLUMN boot_mode               text    NOT NULL DEFAULT '',
	ADD COLUMN image_family            text    NOT NULL DEFAULT '',
	ADD COLUMN image_version           text    NOT NULL DEFAULT '',
	ADD COLUMN is_support_io_optimized boolean NOT NULL DEFAULT false,
	ADD COLUMN is_support_cloudinit    boolean NOT NULL DEFAULT false;

-- One row per tag key of an image; the primary key orders an image's tags
-- by key, and image_key_tags_kv serves DescribeImages' Tag.N filter.
CREATE TABLE image_key_tags (
	image_id  text COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE DEFERRABLE,
	tag_key   text COLLATE "C" NOT NULL,
	tag_value text COLLATE "C" NOT NULL,
	PRIMARY KEY (image_id, tag_key)
);
CREATE INDEX image_key_tags_kv ON image_key_tags (tag_key, tag_value, image_id);
