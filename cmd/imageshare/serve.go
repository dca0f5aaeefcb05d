package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"imageshare/app"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	listen := fs.String("listen", envOr("IMAGESHARE_LISTEN", "127.0.0.1:8080"), "address to listen on (env IMAGESHARE_LISTEN)")
	db := dbFlag(fs)
	seedFile := fs.String("seed", envOr("IMAGESHARE_SEED", ""), "seed file (YAML or JSON) to load at start (env IMAGESHARE_SEED)")
	demo := fs.Bool("demo", false, "load the demo dataset and print credentials and example calls")
	maxShares := fs.Int("max-shares-per-image", envInt("IMAGESHARE_MAX_SHARES_PER_IMAGE", 50), "per-image cap on shared accounts")
	idType := fs.String("ucloud-account-id-type", envOr("IMAGESHARE_UCLOUD_ACCOUNT_ID_TYPE", "auto"), "UCloud AccountSet AccountId type: auto, integer or string")
	baiduRegion := fs.String("baidu-default-region", envOr("IMAGESHARE_BAIDU_DEFAULT_REGION", "bj"), "region of BCE requests whose host names none")
	adminToken := fs.String("admin-token", envOr("IMAGESHARE_ADMIN_TOKEN", ""), "bearer token of the admin API at /admin/; empty turns it off (env IMAGESHARE_ADMIN_TOKEN, which keeps it out of ps)")
	buildDuration := fs.Duration("build-duration", envDuration("IMAGESHARE_BUILD_DURATION", 3*time.Second), "how long a custom image build takes; 0 finishes builds at once (env IMAGESHARE_BUILD_DURATION)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	switch *idType {
	case "auto", "integer", "string":
	default:
		return fmt.Errorf("serve: --ucloud-account-id-type %q: want auto, integer or string", *idType)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	m := app.New(app.Config{
		Listen:              *listen,
		DB:                  *db,
		SeedFile:            *seedFile,
		Demo:                *demo,
		MaxSharesPerImage:   *maxShares,
		UCloudAccountIDType: *idType,
		BaiduDefaultRegion:  *baiduRegion,
		AdminToken:          *adminToken,
		BuildDuration:       buildDurationConfig(*buildDuration),
		Logger:              logger,
	})
	if err := m.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imageshare listening on %s (store %s)\n", m.URL(), *db)
	if *demo {
		printDemo(stdout, m.URL())
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

func envInt(name string, def int) int {
	v, err := strconv.Atoi(envOr(name, ""))
	if err != nil {
		return def
	}
	return v
}
