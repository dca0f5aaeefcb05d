// Package postgres implements imageshare.Store on PostgreSQL (pgx, pooled).
// Any number of imageshare replicas may share one database: every call is
// one transaction, every rule that spans rows (the share cap, nonce reuse,
// id assignment) is enforced by the database under row locks or unique
// keys, and nothing is cached in the process.
//
// Transactions that fail with a serialization failure or a deadlock
// (SQLSTATE 40001, 40P01) are retried inside the store with jittered
// exponential backoff, so callers never see them unless the contention
// outlasts the retries. That also makes the store usable on
// PostgreSQL-compatible distributed SQL that runs every transaction
// serializably.
package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/imageshare/imageshare/internal/sqlstore"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imageshare/imageshare"
)

var _ imageshare.Store = (*Store)(nil)

// DefaultStatementTimeout bounds every statement of the store's
// connections unless the DSN sets statement_timeout itself: a runaway
// query or a lock held by a stuck client fails the call instead of tying
// up a connection forever.
const DefaultStatementTimeout = 5 * time.Second

// Retry policy for serialization failures and deadlocks.
const (
	maxAttempts  = 10
	retryBackoff = 2 * time.Millisecond
	maxBackoff   = 250 * time.Millisecond
)

// Store is an imageshare.Store backed by one PostgreSQL database (or one
// schema of it: the DSN's search_path decides where the tables live).
type Store struct {
	pool    *pgxpool.Pool
	retries atomic.Int64
	nonces  nonceGuard // signature nonces' durable bound (signonce.go)
	freqs   freqCache  // the search keys' common elements (search.go)
}

// Open connects to the database dsn names and applies pending migrations
// (see Migrate). dsn is anything pgx accepts: a postgres:// URL or a
// key=value string, including pgxpool's pool_* settings and run-time
// parameters such as search_path or statement_timeout
// ("postgres://u@db/imageshare?pool_max_conns=20&statement_timeout=10s").
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Connect is Open without the migrations: Ping reports a database that
// is not migrated as unavailable.
func Connect(ctx context.Context, dsn string) (*Store, error) {
	const op = "postgres.Open"
	if dsn == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "postgres: DSN is required")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error quotes the DSN, password included: keep it out
		// of the message that is shown, and out of the cause that is logged.
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "postgres: cannot parse the DSN")
	}
	params := cfg.ConnConfig.RuntimeParams
	if _, set := params["statement_timeout"]; !set {
		params["statement_timeout"] = fmt.Sprint(DefaultStatementTimeout.Milliseconds())
	}
	if _, set := params["application_name"]; !set {
		params["application_name"] = "imageshare"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable(op, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, unavailable(op, err)
	}
	return &Store{pool: pool}, nil
}

// Close waits for in-flight calls to release their connections and
// closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping reports whether the database answers and has every migration applied.
func (s *Store) Ping(ctx context.Context) error {
	const op = "postgres.Ping"
	applied, err := appliedVersions(ctx, s.pool)
	if err != nil {
		return mapError(op, err)
	}
	ms, err := migrations()
	if err != nil {
		return imageshare.Internal(op, err)
	}
	for _, m := range ms {
		if _, ok := applied[m.Version]; !ok {
			return &imageshare.Error{Kind: imageshare.KindUnavailable, Op: op,
				Message: fmt.Sprintf("migration %03d_%s is not applied", m.Version, m.Name)}
		}
	}
	return nil
}

// Retries returns how many times the store has retried a transaction
// after a serialization failure or a deadlock since it was opened.
func (s *Store) Retries() int64 { return s.retries.Load() }

// Pool returns the connection pool, for tools (export, import) that read
// and write tables directly.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Transactions that write run at READ COMMITTED and take the row locks
// they need explicitly (SELECT ... FOR UPDATE); reads of several
// statements run in one REPEATABLE READ snapshot so that a page and its
// total agree.
var (
	writeTx = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}
	readTx  = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

// inTx runs fn in a transaction and commits it, retrying the whole
// transaction on a serialization failure or deadlock. fn must be safe to
// run again: it may only change state through tx.
func (s *Store) inTx(ctx context.Context, op string, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	return s.retry(ctx, op, func() error {
		tx, err := s.pool.BeginTx(ctx, opts)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// retry runs attempt until it succeeds, fails with an error that is not
// worth retrying, runs out of attempts or ctx ends, and maps the last error
// to the domain's kinds.
func (s *Store) retry(ctx context.Context, op string, attempt func() error) error {
	backoff := retryBackoff
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		if !retryable(err) || n >= maxAttempts {
			return mapError(op, err)
		}
		s.retries.Add(1)
		// Full jitter: replicas that collided once should not collide again
		// in lockstep.
		wait := time.Duration(rand.Int64N(int64(backoff)) + 1)
		select {
		case <-ctx.Done():
			return mapError(op, err)
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// limitOffset returns LIMIT and OFFSET values for p: Limit 0 (or less)
// means every row, which LIMIT NULL (LIMIT ALL) says.
func limitOffset(p imageshare.Page) (limit *int64, offset int64) {
	if p.Limit > 0 {
		l := int64(p.Limit)
		limit = &l
	}
	if p.Offset > 0 {
		offset = int64(p.Offset)
	}
	return limit, offset
}

// dialect is how PostgreSQL spells what the shared query builders of
// internal/sqlstore leave to each database: numbered placeholders, and a
// list bound as one text[] parameter.
var dialect = sqlstore.Dialect{
	Placeholder: sqlstore.Dollar,
	In: func(args *sqlstore.Args, col string, values []string) string {
		return col + ` = ANY(` + args.Add(values) + `::text[])`
	},
}
