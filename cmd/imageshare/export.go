package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imageshare/imageshare/app/transfer"
)

// exportCmd writes every row of a store as a JSON-lines stream (see
// app/transfer), to a file or to stdout.
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	db := dbFlag(fs)
	out := fs.String("out", "-", "file to write (- for stdout); written whole or not at all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q", fs.Arg(0))
	}
	if *out == "-" {
		stats, err := transfer.Export(ctx, *db, stdout)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(stderr, "exported %s\n", describe(stats))
		return nil
	}
	// A temporary file renamed into place: an interrupted export never
	// leaves a partial file under the name an import would read.
	f, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(f.Name())
	stats, err := transfer.Export(ctx, *db, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), *out)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stderr, "exported %s to %s\n", describe(stats), *out)
	return nil
}

// importCmd loads a stream written by export into an empty store, in one
// transaction.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr)
	db := dbFlag(fs)
	in := fs.String("in", "-", "file to read (- for stdin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import: unexpected argument %q", fs.Arg(0))
	}
	var r io.Reader = os.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	stats, err := transfer.Import(ctx, *db, r)
	if err != nil {
		return fmt.Errorf("import: %w (nothing was stored)", err)
	}
	fmt.Fprintf(stdout, "imported %s\n", describe(stats))
	return nil
}

// describe summarises counts: "42 rows (accounts 3, images 10, ...)".
func describe(s transfer.Stats) string {
	var parts []string
	for name, n := range s {
		parts = append(parts, fmt.Sprintf("%s %d", name, n))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%d rows (%s)", s.Total(), strings.Join(parts, ", "))
}
