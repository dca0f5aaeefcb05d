package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
)

// The cache change log (migration 012, docs/caching.md). Triggers add a
// row, stamped with the writing transaction's id, for every change to a
// table the read caches come from. Ids are not in commit order here, so a
// feed remembers the snapshot of its previous read and next reads the
// rows that snapshot did not see: those of transactions at or above its
// xmin and not visible in it. Every transaction committed before a read
// began is visible in that read's snapshot, so after it the feed has
// listed every change committed before the read began.

var _ imageshare.ChangeFeeder = (*Store)(nil)

// maxFeedRows bounds what one read returns; a feed further behind flushes.
const maxFeedRows = 10000

// readChanges reads, in one statement (one snapshot), the snapshot
// itself, whether pruning removed a row the previous snapshot ($1) might
// not have seen, and the rows it did not see: a range of the xid index
// (xid is a bigint so that the planner estimates the range, which is
// near the top of the index: 1-5 ms a check with an xid8 column, whose
// ranges the planner cannot estimate and answered with a scan of the
// whole log).
const readChanges = `SELECT pg_current_snapshot()::text,
	(SELECT xid FROM cache_changes_horizon WHERE id = 1) >= pg_snapshot_xmin($1::pg_snapshot)::text::bigint,
	c.id, c.kind, c.key
FROM (VALUES (1)) one
LEFT JOIN LATERAL (
	SELECT id, kind, key FROM cache_changes
	WHERE xid >= pg_snapshot_xmin($1::pg_snapshot)::text::bigint
		AND NOT pg_visible_in_snapshot(xid::text::xid8, $1::pg_snapshot)
	ORDER BY id LIMIT ` + "10001" + `
) c ON true`

// ChangeFeed implements imageshare.ChangeFeeder. The feed reads through
// the store's pool: one round trip per Changes.
func (s *Store) ChangeFeed(ctx context.Context) (imageshare.ChangeFeed, error) {
	return &changeFeed{s: s}, nil
}

type changeFeed struct {
	s    *Store
	snap string // the previous read's snapshot; "" before the first
}

func (f *changeFeed) Changes(ctx context.Context) ([]imageshare.Change, bool, error) {
	const op = "postgres.ChangeFeed"
	if f.snap == "" {
		var snap string
		if err := f.s.pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap); err != nil {
			return nil, false, imageshare.Internal(op, err)
		}
		f.snap = snap
		return nil, true, nil
	}
	// Sent with its parameter inlined (simple protocol): a generic plan,
	// which a prepared statement turns to after five runs, cannot use the
	// xid index for a range bounded by a parameter and scans the log.
	rows, err := f.s.pool.Query(ctx, readChanges, pgx.QueryExecModeSimpleProtocol, f.snap)
	if err != nil {
		return nil, false, imageshare.Internal(op, err)
	}
	var (
		snap    string
		pruned  bool
		changes []imageshare.Change
		flush   bool
	)
	for rows.Next() {
		var id *int64
		var kind, key *string
		if err := rows.Scan(&snap, &pruned, &id, &kind, &key); err != nil {
			rows.Close()
			return nil, false, imageshare.Internal(op, err)
		}
		if id == nil {
			continue // no row: the LEFT JOIN's empty side
		}
		if *kind == imageshare.ChangeAll {
			flush = true
		}
		changes = append(changes, imageshare.Change{Kind: *kind, Key: *key})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, imageshare.Internal(op, err)
	}
	if snap == "" {
		return nil, false, imageshare.Internal(op, pgx.ErrNoRows)
	}
	f.snap = snap
	if flush || pruned || len(changes) > maxFeedRows {
		return nil, true, nil
	}
	return changes, false, nil
}

func (f *changeFeed) Close() error { return nil }
