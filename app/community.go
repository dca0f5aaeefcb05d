package app

import (
	"context"
	"net/http"

	"github.com/imageshare/imageshare/admin"
)

// startBuildFinisher runs the core's build finisher until Close. Every
// replica sharing a store runs one; each build is finished by exactly one
// of them, which logs it.
func (m *Main) startBuildFinisher() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m.stopFinisher, m.finisherDone = cancel, done
	log := m.Config.Logger
	go func() {
		defer close(done)
		m.Service.RunBuildFinisher(ctx, m.Config.BuildCheckInterval, func(ids []string, err error) {
			for _, id := range ids {
				log.Info("build finished", "image", id)
			}
			if err != nil {
				log.Error("build finisher", "err", err)
			}
		})
	}()
}

// stopBuildFinisher stops the finisher and waits for its pass to end, so
// that the store is not closed under it.
func (m *Main) stopBuildFinisher() {
	if m.stopFinisher == nil {
		return
	}
	m.stopFinisher()
	<-m.finisherDone
	m.stopFinisher, m.finisherDone = nil, nil
}

// mountAdmin serves the admin API at /admin/. Without Config.AdminToken
// the API is off and answers every request 404 "admin_disabled".
func (m *Main) mountAdmin(mux *http.ServeMux) {
	mux.Handle("/admin/", admin.New(m.Service, admin.Options{
		Token:  m.Config.AdminToken,
		Logger: m.Config.Logger.With("component", "admin"),
	}))
}
