package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/internal/dsn"
)

// serve runs the server with the configuration resolved from defaults,
// the config file, the environment and the flags (config.go).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	conf := newServeConfig()
	conf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := conf.resolve(os.LookupEnv); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	cfg := conf.appConfig()
	logger := conf.logger(stderr)
	cfg.Logger = logger
	m := app.New(cfg)
	if err := m.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imageshare listening on %s (store %s)\n", m.URL(), dsn.Redact(cfg.DB))
	if u := m.AdminURL(); u != "" {
		// The benchmark reads this line to find an admin port picked by ":0".
		fmt.Fprintf(stdout, "imageshare admin listening on %s\n", u)
	}
	if cfg.Demo {
		printDemo(stdout, m.URL())
		printConsole(stdout, m, cfg.AdminToken != "")
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down: finishing in-flight requests")
	case <-m.Served():
	}
	if err := m.Close(); err != nil {
		return err
	}
	if err := m.ServeErr(); ctx.Err() == nil && err != nil {
		return err
	}
	return nil
}
