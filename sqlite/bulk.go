package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// BulkLoader inserts many records in few large transactions, for loading
// benchmark datasets: one durable commit per batch instead of one per
// record, and statements prepared once. Rows meet the same constraints as
// through the Store's methods (keys, foreign keys, the community search
// triggers), but no rule beyond them is checked: the share cap, name
// uniqueness among an owner's custom images and region membership are the
// caller's business.
//
// A BulkLoader holds the store's only write connection between its first
// insert and Close: other writes wait. It is not safe for concurrent use.
type BulkLoader struct {
	s     *Store
	batch int
	conn  *sql.Conn // the writer connection, held from the first insert to Close
	inTx  bool      // a batch transaction is open on conn
	n     int       // rows inserted in the open batch

	prepared map[string]*sql.Stmt // by SQL text, on conn

	searchLoaded bool // a Community image entered the search indexes
	logDropped   bool // the cache log's triggers are dropped until release
}

// DefaultBulkBatch is the rows per transaction NewBulkLoader uses for a
// batch of 0.
const DefaultBulkBatch = 20000

// NewBulkLoader returns a loader committing every batch rows (0 means
// DefaultBulkBatch).
func (s *Store) NewBulkLoader(batch int) *BulkLoader {
	if batch <= 0 {
		batch = DefaultBulkBatch
	}
	return &BulkLoader{s: s, batch: batch, prepared: map[string]*sql.Stmt{}}
}

// exec runs query with args in the current batch transaction, starting
// one if needed, and commits the batch once it is full.
//
// Transactions are plain BEGIN and COMMIT statements on one held
// connection, so that statements prepared on it outlive each batch.
func (b *BulkLoader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if b.conn == nil {
		conn, err := b.s.write.Conn(ctx)
		if err != nil {
			return nil, err
		}
		// A large load touches index pages all over the file: a page
		// cache big enough to hold them saves re-reading each from the
		// file system on every insert. Set back in release.
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			conn.Close()
			return nil, err
		}
		b.conn = conn
		// The cache log's triggers would add a log row per loaded row
		// (docs/caching.md): they are dropped for the load and put back
		// by release, with the log emptied but for one row telling every
		// reader to flush. If the process dies in between, Open puts
		// them back (ensureCacheLog).
		if err := dropCacheLog(ctx, conn); err != nil {
			return nil, err
		}
		b.logDropped = true
	}
	if !b.inTx {
		if _, err := b.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return nil, err
		}
		b.inTx, b.n = true, 0
	}
	stmt, ok := b.prepared[query]
	if !ok {
		var err error
		if stmt, err = b.conn.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		b.prepared[query] = stmt
	}
	r, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	b.n++
	if b.n >= b.batch {
		return r, b.Flush(ctx)
	}
	return r, nil
}

// Flush commits the rows inserted so far.
func (b *BulkLoader) Flush(ctx context.Context) error {
	if !b.inTx {
		return nil
	}
	b.inTx = false
	if _, err := b.conn.ExecContext(ctx, `COMMIT`); err != nil {
		_, _ = b.conn.ExecContext(context.Background(), `ROLLBACK`)
		return imageshare.Internal("sqlite.BulkLoader.Flush", err)
	}
	return nil
}

// Close commits what is left, merges the search indexes' segments if
// Community images were loaded (see OptimizeSearch), and gives the write
// connection back.
func (b *BulkLoader) Close(ctx context.Context) error {
	err := b.Flush(ctx)
	if err == nil && b.searchLoaded {
		err = optimizeSearch(ctx, b.conn)
	}
	return errors.Join(err, b.release())
}

// execer is a connection or transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// optimizeSearch merges each FTS5 search index into one segment.
func optimizeSearch(ctx context.Context, db execer) error {
	for _, table := range []string{"community_trigrams", "community_words"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (`+table+`) VALUES ('optimize')`); err != nil {
			return imageshare.Internal("sqlite.OptimizeSearch", err)
		}
	}
	return nil
}

// OptimizeSearch merges the catalog's FTS5 search indexes into one segment
// each. Rows added one at a time leave an index in many segments, which
// FTS5 merges incrementally (automerge); a bulk load leaves dozens, and a
// search reads each term's postings from every segment: at a million
// versions, a search over a merged index costs a fraction of one over the
// segments the load left. It holds the write connection while it runs
// (about a minute at a million versions) and changes no row; the
// BulkLoader runs it on Close.
func (s *Store) OptimizeSearch(ctx context.Context) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return imageshare.Internal("sqlite.OptimizeSearch", err)
	}
	defer conn.Close()
	return optimizeSearch(ctx, conn)
}

// Abort rolls back the rows not yet committed and gives the write
// connection back.
func (b *BulkLoader) Abort() {
	b.rollback()
	_ = b.release()
}

func (b *BulkLoader) rollback() {
	if b.inTx {
		_, _ = b.conn.ExecContext(context.Background(), `ROLLBACK`)
		b.inTx = false
	}
}

func (b *BulkLoader) release() error {
	var err error
	for _, stmt := range b.prepared {
		err = errors.Join(err, stmt.Close())
	}
	b.prepared = map[string]*sql.Stmt{}
	if b.conn != nil && b.logDropped {
		err = errors.Join(err, b.restoreLog())
	}
	if b.conn != nil {
		_, cerr := b.conn.ExecContext(context.Background(), `PRAGMA cache_size = -2000`) // SQLite's default
		err = errors.Join(err, cerr, b.conn.Close())
		b.conn = nil
	}
	return err
}

// restoreLog puts the cache log's triggers back in a transaction of its
// own (release runs after the last batch committed or rolled back).
func (b *BulkLoader) restoreLog() error {
	ctx := context.Background()
	if _, err := b.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if err := restoreCacheLog(ctx, b.conn, true); err != nil {
		_, _ = b.conn.ExecContext(ctx, `ROLLBACK`)
		return err
	}
	if _, err := b.conn.ExecContext(ctx, `COMMIT`); err != nil {
		_, _ = b.conn.ExecContext(ctx, `ROLLBACK`)
		return err
	}
	b.logDropped = false
	return nil
}

// fail rolls back the open batch (its earlier rows too) and maps err as
// the Store's methods do.
func (b *BulkLoader) fail(op string, err error) error {
	b.rollback()
	return mapError(op, err)
}

// Account inserts a, which must carry its ID (0 for OrganizationID means
// the ID).
func (b *BulkLoader) Account(ctx context.Context, a *imageshare.Account) error {
	const op = "sqlite.BulkLoader.Account"
	if a.ID == 0 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "bulk-loaded accounts need an id")
	}
	org := a.OrganizationID
	if org == 0 {
		org = a.ID
	}
	_, err := b.exec(ctx, `INSERT INTO accounts (id, name, organization_id, created_at) VALUES (?, ?, ?, ?)`,
		a.ID, a.Name, org, sqlstore.Nanos(a.CreatedAt))
	if err != nil {
		return b.fail(op, constraintError(err, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAccountConflict,
			"account id %d or name %q is taken", a.ID, a.Name), nil))
	}
	a.OrganizationID = org
	return nil
}

// AccessKey inserts k.
func (b *BulkLoader) AccessKey(ctx context.Context, k *imageshare.AccessKey) error {
	_, err := b.exec(ctx, `INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.PublicKey, k.PrivateKey, k.AccountID, boolInt(k.Enabled), sqlstore.Nanos(k.CreatedAt))
	if err != nil {
		return b.fail("sqlite.BulkLoader.AccessKey", constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonKeyConflict, "access key %q is taken", k.PublicKey),
			sqlstore.AccountNotFound("id", k.AccountID)))
	}
	return nil
}

// imageInsert inserts an image's row from sqlstore.ImageValues; the
// bulk loader and insertImage share it.
var imageInsert = `INSERT INTO images (` + sqlstore.ImageInsertColumns + `)
VALUES (` + sqlstore.Placeholders(sqlstore.Question, 1, sqlstore.ImageInsertCount) + `)`

// Image inserts im and its tags. A Community image enters the catalog's
// search indexes through the same triggers as CreateVersion's.
func (b *BulkLoader) Image(ctx context.Context, im *imageshare.Image) error {
	const op = "sqlite.BulkLoader.Image"
	values, err := sqlstore.ImageValues(im)
	if err != nil {
		return b.fail(op, err)
	}
	if _, err = b.exec(ctx, imageInsert, values...); err != nil {
		return b.fail(op, constraintError(err, sqlstore.ImageConflict(im.ID), sqlstore.AccountNotFound("id", im.OwnerID)))
	}
	if im.Type == imageshare.ImageCommunity {
		b.searchLoaded = true
	}
	for i, tag := range im.Tags {
		if _, err := b.exec(ctx, `INSERT INTO image_tags (image_id, position, tag) VALUES (?, ?, ?)`, im.ID, i, tag); err != nil {
			return b.fail(op, err)
		}
	}
	if err := sqlstore.CheckKeyTags(im.KeyTags); err != nil {
		return b.fail(op, err)
	}
	for _, t := range im.KeyTags {
		if _, err := b.exec(ctx, sqlstore.KeyTagInsert, im.ID, t.Key, t.Value); err != nil {
			return b.fail(op, err)
		}
	}
	return nil
}

// Share inserts one share. Sharing twice is a conflict.
func (b *BulkLoader) Share(ctx context.Context, sh *imageshare.Share) error {
	_, err := b.exec(ctx, `INSERT INTO shares (image_id, account_id, shared_at, shared_by) VALUES (?, ?, ?, ?)`,
		sh.ImageID, sh.AccountID, sqlstore.Nanos(sh.SharedAt), sh.SharedBy)
	if err != nil {
		return b.fail("sqlite.BulkLoader.Share", constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAlreadyShared,
				"image %q is already shared with account %d", sh.ImageID, sh.AccountID),
			imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNone,
				"image %q or account %d does not exist", sh.ImageID, sh.AccountID)))
	}
	return nil
}
