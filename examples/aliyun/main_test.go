package main

import (
	"testing"

	"github.com/imageshare/imageshare/internal/exampletest"
)

// The example, run against a real server on loopback as a user would run
// it: listing, then sharing an image with another account.
func TestExample(t *testing.T) {
	exampletest.Check(t, "m-exampleshare01", "cn-hangzhou", run)
}
