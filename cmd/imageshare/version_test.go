package main

import (
	"os"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/internal/version"
)

// imageshare version and --version print the same line: the module
// version and VCS revision from the binary's build information.
func TestVersionCommand(t *testing.T) {
	want := version.Get().String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := runCmd(t, args...)
		if err != nil || out != want {
			t.Errorf("%v = %q (%v), want %q", args, out, err, want)
		}
		if !strings.HasPrefix(out, "imageshare ") || !strings.Contains(out, "revision ") {
			t.Errorf("%v = %q: want the version and the revision", args, out)
		}
	}
}

// The repository is licensed Apache-2.0, like the vendors' SDKs, with the
// license's full text.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
		"9. Accepting Warranty or Additional Liability.", "END OF TERMS AND CONDITIONS", "APPENDIX: How to apply the Apache License to your work."} {
		if !strings.Contains(text, want) {
			t.Errorf("LICENSE lacks %q", want)
		}
	}
}
