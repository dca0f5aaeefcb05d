package imageshare

import (
	"net/netip"
	"time"
)

// Account is a tenant: it owns images and access keys, and images can be
// shared with it. Name is the login e-mail.
type Account struct {
	ID             int64
	Name           string
	OrganizationID int64 // TopOrganizationId; equals ID unless set
	CreatedAt      time.Time
}

// AccessKey is a public/private key pair owned by an account. All three
// dialects sign with it: UCloud's PublicKey/PrivateKey, Alibaba's
// AccessKeyId/AccessKeySecret and Baidu's AK/SK.
type AccessKey struct {
	PublicKey  string
	PrivateKey string
	AccountID  int64
	Enabled    bool
	CreatedAt  time.Time
	// UserID is the sub-user the key belongs to (ram.go); 0 for the
	// account's own (root) keys.
	UserID int64
	// RAMVersion is the RAM version at which Authenticate found the key's
	// sub-user enabled (0: not checked, as for a root key). CallerOf
	// carries it to the caller, so that authorizing the request's call
	// uses the same principal instead of reading the version again.
	RAMVersion int64
}

// Caller is the authenticated identity a request acts as. Dialects build it
// after a signature check; the core decides what it may see and change.
type Caller struct {
	AccountID int64
	PublicKey string
	// UserID is the sub-user whose key signed the request; 0 for a root
	// key, which may do everything on its account's resources.
	UserID int64
	// Action is the vendor action the request is, as the dialect's action
	// table resolves it: its policy name and the operations it may run.
	// A sub-user's call without one is denied.
	Action *RAMAction
	// Region is the region the request addresses; it names the resource
	// of calls that take no region of their own.
	Region string
	// SourceIP is the address the request came from (acs:SourceIp); the
	// zero Addr means unknown.
	SourceIP netip.Addr
	// SecureTransport says whether the request came over TLS
	// (acs:SecureTransport).
	SecureTransport bool
	// RAMVersion is the key's AccessKey.RAMVersion (0: read it when needed).
	RAMVersion int64
}

// CallerOf returns the caller a verified key acts as.
func CallerOf(k *AccessKey) Caller {
	return Caller{AccountID: k.AccountID, PublicKey: k.PublicKey, UserID: k.UserID, RAMVersion: k.RAMVersion}
}

// Page bounds a listing. Limit 0 means the callee's default.
type Page struct {
	Offset int
	Limit  int
}
