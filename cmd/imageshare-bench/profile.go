package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// -profile DIR: the new server runs with its admin listener and pprof on
// (--admin-listen 127.0.0.1:0 --pprof; never on the API port), and while
// each scenario's run at -fixed-conns is measured the harness fetches a
// CPU profile of the measured period from /debug/pprof/profile. Each
// profile is saved as DIR/<dataset>-<target>-<scenario>.pprof with its
// `go tool pprof -top` next to it (.top.txt).

// profileFlags are the server flags a profiled run adds.
var profileFlags = []string{"--admin-listen", "127.0.0.1:0", "--pprof"}

const adminListening = "imageshare admin listening on"

// startProfile begins fetching a CPU profile of p covering the measured
// period of a run that starts now; wait returns the file written.
func startProfile(ctx context.Context, p *process, dir, name string, warmup, d time.Duration) (wait func() (string, error)) {
	done := make(chan error, 1)
	path := filepath.Join(dir, name+".pprof")
	go func() {
		select {
		case <-time.After(warmup):
		case <-ctx.Done():
			done <- ctx.Err()
			return
		}
		secs := max(1, int(d.Round(time.Second).Seconds()))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.AdminURL, secs), nil)
		if err != nil {
			done <- err
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			done <- fmt.Errorf("profile: HTTP %d: %s", resp.StatusCode, b)
			return
		}
		f, err := os.Create(path)
		if err != nil {
			done <- err
			return
		}
		if _, err := io.Copy(f, resp.Body); err != nil {
			f.Close()
			done <- err
			return
		}
		done <- f.Close()
	}()
	return func() (string, error) {
		if err := <-done; err != nil {
			return "", err
		}
		return path, nil
	}
}

// profileTop writes `go tool pprof -top` of a profile next to it.
func profileTop(ctx context.Context, bin, profile string) error {
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=40", bin, profile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof: %v\n%s", err, out)
	}
	return os.WriteFile(strings.TrimSuffix(profile, ".pprof")+".top.txt", out, 0o644)
}

// fileName makes a scenario name usable in a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
}
