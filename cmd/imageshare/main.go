// Command imageshare runs the image-sharing control plane, administers its
// store, and talks to a running server as a tenant.
//
// The command tree is github.com/spf13/cobra's (root.go): it gives every
// command generated help, shell completion (imageshare completion
// bash|zsh|fish|powershell), "did you mean" suggestions and flags after
// positionals. Each command's work is a plain function (cmdFunc in
// adapt.go) that declares its flags with newFlagSet and parses its args;
// the tree reads those flags from it, so a flag is declared once.
//
// Adding a command is one line in newRoot (root.go): a function
//
//	func resetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error
//
// that makes its flags with newFlagSet("reset", stderr) and parses args
// with fs.Parse or parseArgs, hooked in as
//
//	leafCmd("reset", resetCmd, nil, "Reset the store to the seed", "  imageshare reset --db sqlite:x.db"),
//
// (for a subcommand, leafCmd("reset", adminCmd, []string{"reset"}, ...)
// under a parentCmd, which passes "reset" as the function's first
// argument). The function must make its flag set with newFlagSet and parse
// before it does anything else (the tree calls it with "-h" to read its
// flags); one that makes its own flag.FlagSet still runs, with the words
// as typed, but without its flags in help and completion.
// TestEveryCommandHasHelp fails on a command without a Short text and,
// for a runnable command, an Example or Long text.
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		// The one place an error is printed: cobra's own printing is
		// off (root.go).
		fmt.Fprintln(os.Stderr, "imageshare:", err)
		os.Exit(1)
	}
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
	if c, ok := stderr.(*flagCapture); ok {
		c.fs = fs // the command tree is reading this command's flags (adapt.go)
	}
	return fs
}

// dbFlag adds the --db flag shared by every command.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envOr("IMAGESHARE_DB", app.DefaultConfig().DB), "store DSN: sqlite:PATH or postgres://USER@HOST/DB (env IMAGESHARE_DB)")
}
