package imageshare

import "time"

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
}

// Caller is the authenticated identity a request acts as. Dialects build it
// after a signature check; the core decides what it may see and change.
type Caller struct {
	AccountID int64
	PublicKey string
}

// Page bounds a listing. Limit 0 means the callee's default.
type Page struct {
	Offset int
	Limit  int
}
