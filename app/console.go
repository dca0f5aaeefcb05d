package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"

	"github.com/imageshare/imageshare/console"
	"github.com/imageshare/imageshare/core"
)

// MinConsoleSecretBytes is the shortest Config.ConsoleSecret accepted:
// the signing key's own size (SHA-256), so the setting is no weaker than
// the random key it replaces.
const MinConsoleSecretBytes = 32

// consoleKeyLabel separates the console's key from any other use of the
// configured secret.
const consoleKeyLabel = "imageshare console session and CSRF key v1"

// console returns the web console over svc: its tenant pages, its
// operator pages (behind the admin token), or both. Every console of one
// process signs sessions with one key, made at the first call, so a
// reset (ci.go), which builds fresh handlers, keeps people signed in.
// With Config.ConsoleSecret the key is derived from it, the same on every
// replica and across restarts (docs/console.md); without, it is random.
func (m *Main) console(svc *core.Service, tenant, operator bool) http.Handler {
	m.consoleOnce.Do(func() {
		if m.Config.ConsoleSecret != "" {
			mac := hmac.New(sha256.New, []byte(m.Config.ConsoleSecret))
			mac.Write([]byte(consoleKeyLabel))
			m.consoleSecret = mac.Sum(nil)
			return
		}
		m.consoleSecret = make([]byte, 32)
		_, _ = rand.Read(m.consoleSecret)
	})
	return console.New(console.Options{
		Service: svc, Store: m.Store, Tenant: tenant, Operator: operator,
		AdminToken: m.Config.AdminToken, Secret: m.consoleSecret, Now: m.Config.Now,
		Logger: m.Config.Logger.With("component", "console"),
	})
}
