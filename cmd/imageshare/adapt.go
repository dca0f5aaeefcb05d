package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cmdFunc is the shape of every command's work in this package: it
// declares its flags on a flag.FlagSet made by newFlagSet, parses args
// with it, and does its job. Keeping the commands plain functions keeps
// them testable and lets cobra (root.go) own only the command tree: help,
// completion, suggestions and flag syntax.
type cmdFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// flagCapture is the stderr handed to a cmdFunc while its flags are being
// described: newFlagSet records the flag set it makes into it, and the
// function, called with "-h", stops at its parse with flag.ErrHelp before
// it does anything.
type flagCapture struct{ fs *flag.FlagSet }

func (*flagCapture) Write(p []byte) (int, error) { return len(p), nil }

// describeFlags returns the flag set fn declares for the subcommand
// words in prefix (nil when it declares none).
func describeFlags(fn cmdFunc, prefix []string) *flag.FlagSet {
	capture := &flagCapture{}
	args := append(append([]string{}, prefix...), "-h")
	if err := fn(context.Background(), args, io.Discard, capture); !errors.Is(err, flag.ErrHelp) && capture.fs != nil {
		// A command that acts before parsing its flags would do its
		// work here: every test that builds the tree (newRoot) fails on it.
		panic(fmt.Sprintf("imageshare %s -h: want flag.ErrHelp, got %v", strings.Join(prefix, " "), err))
	}
	return capture.fs
}

// leafCmd is a cobra command running fn. fn's flags become the command's
// flags (for help, completion, "did you mean" and flags after
// positionals); cobra parses and checks them, and fn gets the flags that
// were given, as --name=value in the order given, then the positionals.
// fn so parses exactly what the user wrote, with its own defaults (which
// may read the environment at that moment) and checks.
func leafCmd(use string, fn cmdFunc, prefix []string, short, example string) *cobra.Command {
	var given []string
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			argv := append(append([]string{}, prefix...), given...)
			if len(args) > 0 {
				argv = append(append(argv, "--"), args...)
			}
			return fn(c.Context(), argv, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	fs := describeFlags(fn, prefix)
	if fs == nil {
		// fn made its flag set without newFlagSet (or has none): it gets
		// the words as typed and parses them itself, so it works, only
		// without its flags in help and completion.
		c.DisableFlagParsing = true
		c.RunE = func(c *cobra.Command, args []string) error {
			return fn(c.Context(), append(append([]string{}, prefix...), args...), c.OutOrStdout(), c.ErrOrStderr())
		}
		return c
	}
	fs.VisitAll(func(f *flag.Flag) {
		rv := &recordedValue{inner: f.Value, name: f.Name, given: &given}
		def := f.DefValue
		switch def {
		case "0", "false", "0s", "[]":
			def = "" // a zero default goes unsaid in help, as with the flag package
		}
		pf := pflag.PFlagFromGoFlag(&flag.Flag{Name: f.Name, Usage: f.Usage, Value: rv})
		pf.DefValue = def // PFlagFromGoFlag reads the value's String instead
		c.Flags().AddFlag(pf)
	})
	return c
}

// recordedValue wraps a command's flag value: cobra's parse checks the
// text with the flag's own Set and records it for the command function.
type recordedValue struct {
	inner flag.Value
	name  string
	given *[]string
}

func (v *recordedValue) String() string { return v.inner.String() }

func (v *recordedValue) Set(s string) error {
	if err := v.inner.Set(s); err != nil {
		return err
	}
	*v.given = append(*v.given, "--"+v.name+"="+s)
	return nil
}

// IsBoolFlag lets --json stand without a value, as with the flag package.
func (v *recordedValue) IsBoolFlag() bool {
	b, ok := v.inner.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// Type is the value's word in help: "string", "int64", "bool", ...
func (v *recordedValue) Type() string {
	if t, ok := v.inner.(interface{ Type() string }); ok {
		return t.Type()
	}
	if v.IsBoolFlag() {
		return "bool"
	}
	t := reflect.TypeOf(v.inner)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.TrimSuffix(t.Name(), "Value")
}

// parentCmd is a command that only holds subcommands. Run bare, it prints
// its help and fails; with an unknown subcommand it fails naming the
// nearest ones (cobra itself does that only for the root).
func parentCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short}
	c.SuggestionsMinimumDistance = 2 // SuggestionsFor has no default of its own
	c.AddCommand(subs...)
	refuseUnknownSubs(c)
	return c
}

// refuseUnknownSubs makes a command that only holds subcommands fail when
// run bare or with an unknown one (cobra would print its help and exit 0).
func refuseUnknownSubs(c *cobra.Command) {
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			c.SetOut(c.ErrOrStderr())
			_ = c.Help()
			return fmt.Errorf("%s: no subcommand given", c.CommandPath())
		}
		msg := fmt.Sprintf("%s: unknown subcommand %q", c.CommandPath(), args[0])
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += " (did you mean " + strings.Join(s, " or ") + "?)"
		}
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return fmt.Errorf("%s; want %s", msg, strings.Join(names, ", "))
	}
}

// singleDashLong rewrites Go-flag style "-json" to "--json" before cobra
// sees it, so command lines written for the flag package keep working;
// words after "--" are left alone.
func singleDashLong(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && isLetter(a[1]) && (isLetter(a[2]) || a[2] == '-') {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
