package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/imageshare/imageshare/app"
)

// healthcheckCmd asks a server whether it is ready (GET /readyz, 200 when
// its store answers) and fails otherwise. Images built from scratch or
// distroless have no curl or shell, so a container's HEALTHCHECK runs
// the binary itself (Containerfile, deploy/compose.yaml).
func healthcheckCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", stderr)
	url := fs.String("url", defaultHealthURL(os.LookupEnv), "the server's base URL (default from IMAGESHARE_LISTEN, else "+app.DefaultConfig().Listen+")")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	target := strings.TrimSuffix(*url, "/") + "/readyz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", target, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "ready: %s\n", target)
	return nil
}

// defaultHealthURL is the server this container runs: the address serve
// listens on (IMAGESHARE_LISTEN, as serve reads it), with a wildcard host
// replaced by loopback.
func defaultHealthURL(lookupEnv func(string) (string, bool)) string {
	listen := app.DefaultConfig().Listen
	if v, ok := lookupEnv("IMAGESHARE_LISTEN"); ok && v != "" {
		listen = v
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
