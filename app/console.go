package app

import (
	"crypto/rand"
	"net/http"

	"github.com/imageshare/imageshare/console"
	"github.com/imageshare/imageshare/core"
)

// console returns the web console over svc: its tenant pages, its
// operator pages (behind the admin token), or both. Every console of one
// process signs sessions with one secret, made at the first call, so a
// reset (ci.go), which builds fresh handlers, keeps people signed in.
func (m *Main) console(svc *core.Service, tenant, operator bool) http.Handler {
	m.consoleOnce.Do(func() {
		m.consoleSecret = make([]byte, 32)
		_, _ = rand.Read(m.consoleSecret)
	})
	return console.New(console.Options{
		Service: svc, Store: m.Store, Tenant: tenant, Operator: operator,
		AdminToken: m.Config.AdminToken, Secret: m.consoleSecret, Now: m.Config.Now,
		Logger: m.Config.Logger.With("component", "console"),
	})
}
