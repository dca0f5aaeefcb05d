-- Token buckets of the per-key rate limit, shared by every replica (see
-- ratelimit.go): one row per access key that has made a request, holding
-- its tokens as of updated_at (unix nanoseconds of the database's clock).
-- The rows are transient: export leaves them out.
CREATE TABLE rate_buckets (
	key        text COLLATE "C" PRIMARY KEY,
	tokens     double precision NOT NULL,
	updated_at bigint           NOT NULL
);
