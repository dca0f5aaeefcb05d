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
	ratePerKey := fs.Float64("rate-limit-per-key", envFloat("IMAGESHARE_RATE_LIMIT_PER_KEY", 0), "requests per second each access key may make; 0 means no limit; per replica (env IMAGESHARE_RATE_LIMIT_PER_KEY)")
	rateBurst := fs.Int("rate-limit-burst", envInt("IMAGESHARE_RATE_LIMIT_BURST", 0), "requests a key may make at once before the rate applies; 0 means one second's worth (env IMAGESHARE_RATE_LIMIT_BURST)")
	maxConcurrent := fs.Int("max-concurrent-requests", envInt("IMAGESHARE_MAX_CONCURRENT_REQUESTS", app.DefaultMaxConcurrentRequests), "API requests served at once; more are refused as busy at once; negative means no bound (env IMAGESHARE_MAX_CONCURRENT_REQUESTS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if *ratePerKey < 0 || *rateBurst < 0 || *maxConcurrent == 0 {
		return fmt.Errorf("serve: --rate-limit-per-key and --rate-limit-burst must be >= 0 and --max-concurrent-requests non-zero")
	}
	switch *idType {
	case "auto", "integer", "string":
	default:
		return fmt.Errorf("serve: --ucloud-account-id-type %q: want auto, integer or string", *idType)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	m := app.New(app.Config{
		Listen:                *listen,
		DB:                    *db,
		SeedFile:              *seedFile,
		Demo:                  *demo,
		MaxSharesPerImage:     *maxShares,
		UCloudAccountIDType:   *idType,
		BaiduDefaultRegion:    *baiduRegion,
		AdminToken:            *adminToken,
		BuildDuration:         buildDurationConfig(*buildDuration),
		RateLimitPerKey:       *ratePerKey,
		RateLimitBurst:        *rateBurst,
		MaxConcurrentRequests: *maxConcurrent,
		Logger:                logger,
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

func envFloat(name string, def float64) float64 {
	v, err := strconv.ParseFloat(envOr(name, ""), 64)
	if err != nil {
		return def
	}
	return v
}

func envInt(name string, def int) int {
	v, err := strconv.Atoi(envOr(name, ""))
	if err != nil {
		return def
	}
	return v
}
