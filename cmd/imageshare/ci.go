package main

// imageshare ci: the admin API's CI conveniences (docs/deploy.md "CI
// conveniences") from a shell, against a running server. Each subcommand
// is a plain function of its arguments (ciCmd dispatches), so that it
// moves as it is to whichever command framework the CLI uses.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const ciUsage = `usage: imageshare ci SUBCOMMAND [--server URL] [--token TOKEN]

Against a running server's admin API (IMAGESHARE_ADMIN_URL, default
http://127.0.0.1:8080, or the --admin-listen address; the token from
IMAGESHARE_ADMIN_TOKEN):
  imageshare ci reset [--empty]                 back to the seed/demo data (or empty); removes every fault
  imageshare ci snapshot save|restore|rm NAME   named snapshots of the whole store
  imageshare ci snapshot ls
  imageshare ci seed FILE|-                     apply a seed document (accounts, keys, sub-users, images, instances, shares)
  imageshare ci account create --name NAME      an account and a fresh key
  imageshare ci key create --account ID         a fresh key for an account
  imageshare ci fault add --dialect D --action A [--code C] [--status N] [--message M] [--delay 2s] [--count N] [--probability P]
  imageshare ci fault ls | rm ID | clear
Answers are printed as the server's JSON.
`

// ciClient is the admin API's address and token.
type ciClient struct {
	server, token string
	http          *http.Client
}

// ciFlags adds --server and --token to fs.
func ciFlags(fs *flag.FlagSet) *ciClient {
	c := &ciClient{http: &http.Client{Timeout: 10 * time.Minute}}
	fs.StringVar(&c.server, "server", envOr("IMAGESHARE_ADMIN_URL", "http://127.0.0.1:8080"), "base URL of the server's admin API (its --admin-listen address when set)")
	fs.StringVar(&c.token, "token", os.Getenv("IMAGESHARE_ADMIN_TOKEN"), "admin bearer token (prefer IMAGESHARE_ADMIN_TOKEN: flags show in ps)")
	return c
}

// do sends one admin request and prints its JSON answer; a failure
// answer becomes the error, with the server's message.
func (c *ciClient) do(ctx context.Context, stdout io.Writer, method, path string, body io.Reader) error {
	if c.token == "" {
		return fmt.Errorf("ci: no admin token: set IMAGESHARE_ADMIN_TOKEN or --token")
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.server, "/")+path, body)
	if err != nil {
		return fmt.Errorf("ci: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ci: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("ci: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(out, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("ci: %s %s: %d %s: %s", method, path, resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("ci: %s %s: %s", method, path, resp.Status)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		_, err = stdout.Write(out)
	}
	return err
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func ciCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, ciUsage)
		if len(args) == 0 {
			return fmt.Errorf("ci: want a subcommand")
		}
		return nil
	}
	switch args[0] {
	case "reset":
		return ciReset(ctx, args[1:], stdout, stderr)
	case "snapshot":
		return ciSnapshot(ctx, args[1:], stdout, stderr)
	case "seed":
		return ciSeed(ctx, args[1:], stdout, stderr)
	case "account":
		return ciAccount(ctx, args[1:], stdout, stderr)
	case "key":
		return ciKey(ctx, args[1:], stdout, stderr)
	case "fault":
		return ciFault(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("ci: unknown subcommand %q (want reset, snapshot, seed, account, key or fault)", args[0])
}

// ciSubcommands are ci's subcommands with their own, for completion.
var ciSubcommands = []string{"reset", "snapshot", "seed", "account", "key", "fault"}

// ciFlagNames are every ci subcommand's flags, for completion.
var ciFlagNames = []string{"--account", "--action", "--code", "--count", "--delay", "--dialect", "--empty", "--message", "--name", "--probability", "--server", "--status", "--token"}

func ciReset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci reset", stderr)
	c := ciFlags(fs)
	empty := fs.Bool("empty", false, "empty the store instead of loading the seed and demo data again")
	if pos, err := parseArgs(fs, args); err != nil || len(pos) > 0 {
		return firstErr(err, fmt.Errorf("ci reset: unexpected argument %q", strings.Join(pos, " ")))
	}
	return c.do(ctx, stdout, "POST", "/admin/reset", jsonBody(map[string]bool{"empty": *empty}))
}

func ciSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci snapshot", stderr)
	c := ciFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "ls" {
		return c.do(ctx, stdout, "GET", "/admin/snapshots", nil)
	}
	if len(pos) != 2 {
		return fmt.Errorf("ci snapshot: want save|restore|rm NAME, or ls")
	}
	path := "/admin/snapshots/" + url.PathEscape(pos[1])
	switch pos[0] {
	case "save":
		return c.do(ctx, stdout, "PUT", path, nil)
	case "restore":
		return c.do(ctx, stdout, "POST", path+"/restore", nil)
	case "rm":
		return c.do(ctx, stdout, "DELETE", path, nil)
	}
	return fmt.Errorf("ci snapshot: unknown subcommand %q (want save, restore, rm or ls)", pos[0])
}

func ciSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci seed", stderr)
	c := ciFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("ci seed: want one FILE (or - for stdin)")
	}
	var data []byte
	if pos[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 8<<20+1))
	} else {
		data, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return fmt.Errorf("ci seed: %w", err)
	}
	return c.do(ctx, stdout, "POST", "/admin/seed", bytes.NewReader(data))
}

func ciAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci account create", stderr)
	c := ciFlags(fs)
	name := fs.String("name", "", "login e-mail of the account (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "create" || *name == "" {
		return fmt.Errorf("ci account: want create --name NAME")
	}
	return c.do(ctx, stdout, "POST", "/admin/accounts", jsonBody(map[string]string{"name": *name}))
}

func ciKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci key create", stderr)
	c := ciFlags(fs)
	account := fs.Int64("account", 0, "account id (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "create" || *account <= 0 {
		return fmt.Errorf("ci key: want create --account ID")
	}
	return c.do(ctx, stdout, "POST", fmt.Sprintf("/admin/accounts/%d/keys", *account), nil)
}

func ciFault(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ci fault", stderr)
	c := ciFlags(fs)
	dialect := fs.String("dialect", "*", "ucloud, aliyun, baidu or * (any)")
	action := fs.String("action", "", "the action's name in its dialect's table (DescribeImages, ListImage ...) or * (any)")
	code := fs.String("code", "", "vendor error code to fail with (UCloud: the RetCode)")
	status := fs.Int("status", 0, "HTTP status (default: the dialect's for that code)")
	message := fs.String("message", "", "error message (default: the dialect's for that code)")
	delay := fs.Duration("delay", 0, "wait this long before the call runs (or fails)")
	count := fs.Int("count", 0, "apply to the next N matching calls only (0: every call)")
	probability := fs.Float64("probability", 0, "apply to this fraction of matching calls (0 or 1: all)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("ci fault: want add, ls, rm ID or clear")
	}
	switch {
	case pos[0] == "ls" && len(pos) == 1:
		return c.do(ctx, stdout, "GET", "/admin/faults", nil)
	case pos[0] == "clear" && len(pos) == 1:
		return c.do(ctx, stdout, "DELETE", "/admin/faults", nil)
	case pos[0] == "rm" && len(pos) == 2:
		return c.do(ctx, stdout, "DELETE", "/admin/faults/"+url.PathEscape(pos[1]), nil)
	case pos[0] == "add" && len(pos) == 1:
		if *action == "" {
			return fmt.Errorf("ci fault add: --action is required (* for any)")
		}
		rule := map[string]any{"dialect": *dialect, "action": *action, "code": *code, "status": *status,
			"message": *message, "count": *count, "probability": *probability}
		if *delay > 0 {
			rule["delay"] = delay.String()
		}
		return c.do(ctx, stdout, "POST", "/admin/faults", jsonBody(rule))
	}
	return fmt.Errorf("ci fault: want add, ls, rm ID or clear")
}
