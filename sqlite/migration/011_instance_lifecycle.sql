-- Instances as records with a lifecycle (docs/instances.md): where they
-- run, what image and spec, their status and when a transition is due.
-- Instances made before this migration are Running, their image unknown.
ALTER TABLE instances ADD COLUMN zone               TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN name               TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN image_id           TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN instance_type      TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN cpu                INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN memory_mb          INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN gpu_count          INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN status             TEXT NOT NULL DEFAULT 'Running';
ALTER TABLE instances ADD COLUMN transition_done_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN os_name            TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN os_type            TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN platform           TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN architecture       TEXT NOT NULL DEFAULT '';
-- DescribeImages Usage=instance and DeleteImage's in-use check.
CREATE INDEX instances_image ON instances (image_id);
-- The finisher's scan for due transitions.
CREATE INDEX instances_due ON instances (status, transition_done_at);
