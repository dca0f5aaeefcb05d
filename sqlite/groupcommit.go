package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/imageshare/imageshare"
)

// Group commit. Each share change and each nonce is its own durable
// transaction: with synchronous=FULL every commit waits for the disk, and
// all writes queue on the one writer connection. Writes that arrive while
// a commit is in progress therefore wait together; groupTx runs them as
// one transaction with one commit (one fsync), each inside its own
// savepoint:
//
//   - atomic per call: a call whose function fails is rolled back to its
//     savepoint and gets its own error, as from writeTx; the other calls of
//     the batch go on;
//   - durable when acknowledged: no call returns before the COMMIT that
//     contains it has returned; if that COMMIT fails, every call of the
//     batch gets the error and none of them is applied;
//   - serial: the calls run one after another, in arrival order, each
//     seeing the ones before it, exactly as if each were its own
//     transaction;
//   - cancellation: a call whose context ends before its turn is not run
//     (it returns the error writeTx returns for a cancelled context);
//     once it runs it completes, because interrupting a statement inside
//     the shared transaction would make SQLite roll back the whole batch.
//     Its function gets a context that is never cancelled for that reason.
//
// No write waits for a batch to fill: the first write of an idle store
// commits at once, alone, and the batch is whatever arrived meanwhile.
//
// Light writes (groupTxLight: signature nonces, signonce.go) are the
// exception to "durable when acknowledged": a batch made of light writes
// only commits with synchronous=NORMAL, which in WAL mode writes the WAL
// without an fsync. Its writes survive a crash of the process, not of the
// machine. A batch with any other write commits with synchronous=FULL,
// its light writes included, and the connection is back at FULL before
// anything else runs on it.

// maxGroupBatch bounds the calls one transaction carries.
const maxGroupBatch = 128

// groupFunc is a write run inside the batch transaction.
type groupFunc func(ctx context.Context, tx *sql.Tx) error

type groupWrite struct {
	ctx  context.Context // the caller's, checked before the write runs
	op   string
	fn   groupFunc
	lite bool // may commit without an fsync (groupTxLight)
	err  error
	pv   any // a panic of fn, re-raised in the caller
	done chan struct{}
}

// groupCommitter queues writes; a committer goroutine runs while the queue
// is not empty.
type groupCommitter struct {
	mu      sync.Mutex
	queue   []*groupWrite
	running bool
	idle    *sync.Cond // signalled when running becomes false
}

// groupTx runs fn as one call of a group commit on the writer connection
// (see above) and returns its error mapped as writeTx maps it.
func (s *Store) groupTx(ctx context.Context, op string, fn groupFunc) error {
	return s.queueGroup(&groupWrite{ctx: ctx, op: op, fn: fn, done: make(chan struct{})})
}

// groupTxLight is groupTx for a write that need not survive a crash of
// the machine, only of the process (see above).
func (s *Store) groupTxLight(ctx context.Context, op string, fn groupFunc) error {
	return s.queueGroup(&groupWrite{ctx: ctx, op: op, fn: fn, lite: true, done: make(chan struct{})})
}

func (s *Store) queueGroup(w *groupWrite) error {
	g := &s.group
	g.mu.Lock()
	if g.idle == nil {
		g.idle = sync.NewCond(&g.mu)
	}
	g.queue = append(g.queue, w)
	if !g.running {
		g.running = true
		go s.runGroups()
	}
	g.mu.Unlock()
	<-w.done
	if w.pv != nil {
		panic(w.pv)
	}
	return w.err
}

// runGroups commits batches until the queue is empty.
func (s *Store) runGroups() {
	g := &s.group
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroupBatch)
		if n == 0 {
			g.running = false
			g.idle.Broadcast()
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = append([]*groupWrite(nil), g.queue[n:]...)
		g.mu.Unlock()
		s.commitGroup(batch)
		for _, w := range batch {
			close(w.done)
		}
	}
}

// waitGroups returns once no batch is running or queued.
func (s *Store) waitGroups() {
	g := &s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.running {
		g.idle.Wait()
	}
}

// commitGroup runs batch in one transaction and sets each write's result.
func (s *Store) commitGroup(batch []*groupWrite) {
	live := batch[:0:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = imageshare.Internal(w.op, err)
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	fail := func(err error) {
		for _, w := range live {
			w.err = mapError(w.op, err)
		}
	}
	// The batch holds the one writer connection from the synchronous
	// setting to its restoration, so no other write runs in between.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer conn.Close()
	if s.lightCommits && allLight(live) {
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
			fail(err)
			return
		}
		defer restoreFullSync(conn)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	if len(live) == 1 {
		// Alone: exactly writeTx.
		w := live[0]
		if w.err = runGroupFunc(w, tx); w.err != nil || w.pv != nil {
			_ = tx.Rollback()
			w.err = mapError(w.op, w.err)
			return
		}
		if err := tx.Commit(); err != nil {
			w.err = mapError(w.op, err)
		}
		return
	}
	var ok []*groupWrite // the writes the COMMIT applies
	for _, w := range live {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT group_write`); err != nil {
			abortGroup(tx, live, err)
			return
		}
		fnErr := runGroupFunc(w, tx)
		if fnErr == nil && w.pv == nil {
			if _, err := tx.ExecContext(ctx, `RELEASE group_write`); err != nil {
				abortGroup(tx, live, err)
				return
			}
			ok = append(ok, w)
			continue
		}
		// Undo this write alone. Some errors (I/O, a full disk) make
		// SQLite roll the whole transaction back; then the savepoint is
		// gone and the batch is lost.
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO group_write`); err != nil {
			abortGroup(tx, live, fmt.Errorf("%v (after %w)", err, fnErr))
			return
		}
		if _, err := tx.ExecContext(ctx, `RELEASE group_write`); err != nil {
			abortGroup(tx, live, err)
			return
		}
		w.err = mapError(w.op, fnErr)
	}
	if err := tx.Commit(); err != nil {
		for _, w := range ok {
			w.err = mapError(w.op, err)
		}
	}
}

// allLight reports whether every write of a batch is light.
func allLight(batch []*groupWrite) bool {
	for _, w := range batch {
		if !w.lite {
			return false
		}
	}
	return true
}

// restoreFullSync puts the writer connection back to synchronous=FULL
// after a light batch. Should that fail, the connection is discarded: the
// pool opens a new one, whose DSN sets FULL, rather than let a durable
// write commit at NORMAL.
func restoreFullSync(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous=FULL`); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// runGroupFunc runs w's function, catching a panic for its caller.
func runGroupFunc(w *groupWrite, tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.pv = v
			err = errors.New("panic")
		}
	}()
	return w.fn(context.WithoutCancel(w.ctx), tx)
}

// abortGroup rolls the batch back: every write not already failed gets
// err, since none of them is applied.
func abortGroup(tx *sql.Tx, live []*groupWrite, err error) {
	_ = tx.Rollback()
	for _, w := range live {
		if w.err == nil && w.pv == nil {
			w.err = mapError(w.op, err)
		}
	}
}
