package sqlstore

import (
	"time"

	"github.com/imageshare/imageshare"
)

// Row is one result row: *sql.Row, *sql.Rows and pgx.Row all have this
// Scan.
type Row interface {
	Scan(dest ...any) error
}

// AccountColumns are the accounts columns ScanAccount reads, in order.
const AccountColumns = `id, name, organization_id, created_at`

// ScanAccount reads an account selected with AccountColumns.
func ScanAccount(row Row) (*imageshare.Account, error) {
	var a imageshare.Account
	var created int64
	if err := row.Scan(&a.ID, &a.Name, &a.OrganizationID, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = FromNanos(created)
	return &a, nil
}

// UserColumns are the ram_users columns ScanUser reads, in order.
const UserColumns = `id, account_id, name, enabled, created_at`

// ScanUser reads a sub-user selected with UserColumns.
func ScanUser(row Row) (*imageshare.User, error) {
	var u imageshare.User
	var created int64
	if err := row.Scan(&u.ID, &u.AccountID, &u.Name, &u.Enabled, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = FromNanos(created)
	return &u, nil
}

// Nanos stores t as Unix nanoseconds; the zero time is 0, so an unset
// time round-trips through FromNanos.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// AccessKeyColumns are the access_keys columns ScanAccessKey reads, in
// order; user_id is NULL for root keys (the domain's UserID 0).
const AccessKeyColumns = `public_key, private_key, account_id, enabled, created_at, COALESCE(user_id, 0)`

// ScanAccessKey reads an access key selected with AccessKeyColumns.
func ScanAccessKey(row Row) (*imageshare.AccessKey, error) {
	var k imageshare.AccessKey
	var created int64
	if err := row.Scan(&k.PublicKey, &k.PrivateKey, &k.AccountID, &k.Enabled, &created, &k.UserID); err != nil {
		return nil, err
	}
	k.CreatedAt = FromNanos(created)
	return &k, nil
}

// Keep returns *v once the transaction that set it has returned err: *v
// if err is nil, else the zero T and err.
func Keep[T any](v *T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return *v, nil
}
