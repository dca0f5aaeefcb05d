package imageshare

import "context"

// Change is one entry of a store's change log (docs/caching.md): a
// committed change to the records a read cache may hold. Kind names the
// records (ChangeAccount, ChangeKey, ...) and Key which of them.
type Change struct {
	Kind string
	Key  string
}

// The kinds of Change. A store's log is written by triggers in the
// database, so that no write path (serve, the admin CLI, import, seed) can
// be missed.
const (
	ChangeAccount       = "a" // an account was added (Key: its id)
	ChangeAccountEdited = "A" // an account was changed or removed (Key: its id); share lists name accounts
	ChangeKey           = "k" // an access key (Key: the public key)
	ChangeRegions       = "g" // the region list
	ChangeImage         = "i" // an image, its tags, key tags or instances (Key: the image id)
	ChangeShares        = "s" // an image's shares (Key: the image id)
	ChangeRAM           = "r" // any RAM record or the RAM version
	ChangeAll           = "*" // anything (a bulk load)
)

// ChangeFeed reads a store's change log for one reader. It is not safe for
// concurrent use: a cache calls it from one goroutine at a time.
type ChangeFeed interface {
	// Changes returns the changes committed since the previous call, and
	// at least every change committed before this call began. flush
	// reports that the feed cannot list them (the first call, a log
	// pruned past this reader, a bulk load): the reader must then drop
	// everything it holds.
	Changes(ctx context.Context) (changes []Change, flush bool, err error)
	// Close releases the feed's connection.
	Close() error
}

// ChangeFeeder is implemented by stores that keep a change log.
type ChangeFeeder interface {
	ChangeFeed(ctx context.Context) (ChangeFeed, error)
}
