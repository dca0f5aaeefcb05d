package main

import (
	"context"
	"io"
	"testing"

	"github.com/imageshare/imageshare/internal/exampletest"
)

// The example, run against a real server on loopback as a user would run
// it: listing, then sharing an image with another account.
func TestExample(t *testing.T) {
	exampletest.Check(t, "compshareImage-example", "cn-wlcb", func(getenv func(string) string, args []string, out io.Writer) error {
		return run(context.Background(), getenv, args, out)
	})
}
