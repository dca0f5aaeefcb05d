// Command imageshare runs the image-sharing control plane and administers
// its store.
//
//	imageshare serve [--config FILE] [--listen ADDR] [--db DSN] [--seed FILE] [--demo] ...
//	imageshare account create --name N [--id N] [--org N] [--json]
//	imageshare account list [--json]
//	imageshare key create --account ID [--json]
//	imageshare key disable PUBLICKEY
//	imageshare key enable PUBLICKEY
//	imageshare migrate
//	imageshare export [--out FILE]
//	imageshare import [--in FILE]
//	imageshare instance create --account ID --region R [--gpu-type T] [--id ID] [--json]
//	imageshare review list [--status S] [--region R] [--json]
//	imageshare review approve|offline|online VERSIONID
//	imageshare review reject VERSIONID [--reason TEXT]
//	imageshare config check [--config FILE] [serve flags]
//	imageshare version (or --version)
//	imageshare images ls [--shared-with-me] [--json]
//	imageshare share ls|add|rm IMAGE [ACCOUNT...] [--json]
//	imageshare community ls [--user ORG] [--search TEXT] [--json]
//	imageshare publish IMAGE [--price YUAN] ... [--json]
//	imageshare completion bash|zsh
//	imageshare user create|key|list|disable|enable --account ID [--name NAME]
//	imageshare group create|add|remove|list --account ID ...
//	imageshare policy create|attach|detach|list|check ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/internal/version"
)

const usage = `imageshare: a self-hostable image-sharing control plane

Usage:
  imageshare serve [--config FILE] [--listen ADDR] [--db DSN] [--seed FILE] [--demo] [--log-format text|json]
  imageshare config check [--config FILE] [serve flags]   validate and print the effective configuration
  imageshare version                print the module version and VCS revision (also --version)
  imageshare account create --name NAME [--id ID] [--org ORGID] [--json]
  imageshare account list [--json]
  imageshare key create --account ID [--json]
  imageshare key disable PUBLICKEY
  imageshare key enable PUBLICKEY
  imageshare migrate                apply pending schema migrations
  imageshare export [--out FILE]    write every row as JSON lines (default stdout)
  imageshare import [--in FILE]     load an export into an empty store (default stdin)
  imageshare instance create --account ID --region REGION [--gpu-type T] [--id ID] [--json]
  imageshare review list [--status Reviewing|all|S1,S2] [--region R] [--json]
  imageshare review approve|offline|online VERSIONID
  imageshare review reject VERSIONID [--reason TEXT]

Sub-users and access policies (docs/ram.md):
  imageshare user create|key|disable|enable --account ID --name NAME [--json]
  imageshare user list --account ID [--json]
  imageshare group create --account ID --name NAME
  imageshare group add|remove --account ID --group NAME --user NAME
  imageshare group list --account ID [--json]
  imageshare policy create --account ID --name NAME --document FILE|-|JSON [--description TEXT]
  imageshare policy attach|detach --account ID --policy NAME (--user NAME | --group NAME)
  imageshare policy list --account ID [--json]
  imageshare policy check --user NAME@ACCOUNTID --action A --resource R [--source-ip IP] [--secure] [--time T]

Talking to a running server as a tenant (UCloud dialect; key from
~/.config/imageshare/profile.yaml or IMAGESHARE_URL, IMAGESHARE_PUBLIC_KEY,
IMAGESHARE_PRIVATE_KEY, IMAGESHARE_REGION; tables, or JSON with --json):
  imageshare images ls [--shared-with-me]
  imageshare share ls IMAGE
  imageshare share add|rm IMAGE ACCOUNT...
  imageshare community ls [--user ORG] [--search TEXT] [--tag TAG]
  imageshare publish IMAGE [--price YUAN] [--version V] [--tag TAG]...
  imageshare completion bash|zsh

The store commands take --db DSN (env IMAGESHARE_DB, default sqlite:./imageshare.db);
a DSN is sqlite:PATH, postgres://USER@HOST/DB or host=HOST dbname=DB ... (docs/postgres.md).
Run "imageshare COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "imageshare:", err)
		os.Exit(1)
	}
}

// run executes one command line; main is only signals and exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "config":
		return configCmd(ctx, rest, stdout, stderr)
	case "account":
		return accountCmd(ctx, rest, stdout, stderr)
	case "key":
		return keyCmd(ctx, rest, stdout, stderr)
	case "instance":
		return instanceCmd(ctx, rest, stdout, stderr)
	case "review":
		return reviewCmd(ctx, rest, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, stdout, stderr)
	case "images":
		return imagesCmd(ctx, rest, stdout, stderr)
	case "share":
		return shareCmd(ctx, rest, stdout, stderr)
	case "community":
		return communityCmd(ctx, rest, stdout, stderr)
	case "publish":
		return publishCmd(ctx, rest, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, stdout, stderr)
	case "group":
		return groupCmd(ctx, rest, stdout, stderr)
	case "policy":
		return policyCmd(ctx, rest, stdout, stderr)
	case "completion":
		return completionCmd(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, version.Get())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// envOr returns the environment variable's value, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// dbFlag adds the --db flag shared by every command.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envOr("IMAGESHARE_DB", app.DefaultConfig().DB), "store DSN: sqlite:PATH or postgres://USER@HOST/DB (env IMAGESHARE_DB)")
}
