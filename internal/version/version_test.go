package version_test

import (
	"runtime/debug"
	"testing"

	"github.com/imageshare/imageshare/internal/version"
)

func TestFrom(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "imageshare", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "1a2b3c4d"}, {Key: "vcs.modified", Value: "true"}}}
	got := version.From(bi)
	want := version.Info{Version: "v1.2.0", Revision: "1a2b3c4d", Modified: true, GoVersion: "go1.26.8"}
	if got != want {
		t.Fatalf("From = %+v, want %+v", got, want)
	}
	if s := got.String(); s != "imageshare v1.2.0 (revision 1a2b3c4d, modified, go1.26.8)" {
		t.Fatalf("String = %q", s)
	}
	// Without VCS stamping (-buildvcs=false, a test binary) or build info.
	if got := version.From(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got.Version != "(devel)" || got.Revision != version.Unknown || got.Modified {
		t.Fatalf("From without vcs = %+v", got)
	}
	if got := version.From(nil); got.Version != version.Unknown || got.Revision != version.Unknown {
		t.Fatalf("From(nil) = %+v", got)
	}
}

// Get reads the running binary's own build information.
func TestGet(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this test binary")
	}
	if got, want := version.Get(), version.From(bi); got != want {
		t.Fatalf("Get = %+v, From(ReadBuildInfo) = %+v", got, want)
	}
}
