package sqlstore

import "github.com/imageshare/imageshare"

// ShareListQuery selects an image's shares (ScanShare reads a row) in
// the order ListShares promises; each store appends its page clause.
const ShareListQuery = `SELECT s.image_id, s.account_id, a.name, s.shared_at, s.shared_by
FROM shares s JOIN accounts a ON a.id = s.account_id
WHERE s.image_id = ?
ORDER BY s.shared_at, s.account_id`

// ShareCountQuery counts an image's shares.
const ShareCountQuery = `SELECT count(*) FROM shares WHERE image_id = ?`

// IsSharedQuery tells whether an image is shared with an account.
const IsSharedQuery = `SELECT EXISTS (SELECT 1 FROM shares WHERE image_id = ? AND account_id = ?)`

// ScanShare reads a row of ShareListQuery.
func ScanShare(row Row) (*imageshare.Share, error) {
	var sh imageshare.Share
	var at int64
	if err := row.Scan(&sh.ImageID, &sh.AccountID, &sh.AccountName, &at, &sh.SharedBy); err != nil {
		return nil, err
	}
	sh.SharedAt = FromNanos(at)
	return &sh, nil
}

// ImageShares are an image and one page of its shares, as
// FindImageShares returns them.
type ImageShares struct {
	Image  *imageshare.Image
	Shares []*imageshare.Share
	Total  int
}

// Unpack returns the parts of r, or only err when err is not nil.
func (r ImageShares) Unpack(err error) (*imageshare.Image, []*imageshare.Share, int, error) {
	if err != nil {
		return nil, nil, 0, err
	}
	return r.Image, r.Shares, r.Total, nil
}
