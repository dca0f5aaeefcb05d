-- Instances as records with a lifecycle (docs/instances.md): where they
-- run, what image and spec, their status and when a transition is due.
-- Instances made before this migration are Running, their image unknown.
ALTER TABLE instances ADD COLUMN zone               text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN name               text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN image_id           text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN instance_type      text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN cpu                bigint NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN memory_mb          bigint NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN gpu_count          bigint NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN status             text COLLATE "C" NOT NULL DEFAULT 'Running';
ALTER TABLE instances ADD COLUMN transition_done_at bigint NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN os_name            text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN os_type            text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN platform           text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN architecture       text COLLATE "C" NOT NULL DEFAULT '';
-- DescribeImages Usage=instance and DeleteImage's in-use check.
CREATE INDEX instances_image ON instances (image_id);
-- The finisher's scan for due transitions.
CREATE INDEX instances_due ON instances (status, transition_done_at);
