package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imageshare/imageshare/seed"
)

const configUsage = `usage: imageshare config check [--config FILE] [serve flags...]

Resolves the configuration serve would run with (defaults < file < env <
flags), validates it (a seed file must parse too) and prints it as YAML
with secrets masked and each value's source in a comment.
`

func configCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, configUsage)
		if len(args) == 0 {
			return fmt.Errorf("config: no subcommand given")
		}
		return fmt.Errorf("config: unknown subcommand %q", args[0])
	}
	fs := newFlagSet("config check", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, configUsage); fs.PrintDefaults() }
	conf := newServeConfig()
	conf.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config check: unexpected argument %q", fs.Arg(0))
	}
	if err := conf.resolve(os.LookupEnv); err != nil {
		return fmt.Errorf("config check: %w", err)
	}
	if path := conf.str("seed"); path != "" {
		if _, err := seed.ReadFile(path); err != nil {
			return fmt.Errorf("config check: seed (from %s): %w", conf.get("seed").source, err)
		}
	}
	out, err := conf.effectiveYAML()
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}
