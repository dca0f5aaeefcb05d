// Package version says which build of imageshare is running, from the
// build information the Go toolchain embeds in every binary: the module
// version (a tag when installed with go install module@version, "(devel)"
// when built from a clone) and the VCS revision (when built in a git
// checkout with VCS stamping on, the default for go build). The CLI's
// version command, the imageshare_build_info metric and GET /info all
// report this.
package version

import (
	"fmt"
	"runtime/debug"
)

// Unknown stands for a field the build information does not hold (a test
// binary, or a build with -buildvcs=false).
const Unknown = "unknown"

// Info is one build's identity.
type Info struct {
	Version   string `json:"version"`  // module version, "(devel)" from a clone
	Revision  string `json:"revision"` // VCS commit, Unknown if not stamped
	Modified  bool   `json:"modified"` // the work tree had uncommitted changes
	GoVersion string `json:"go_version"`
}

// Get returns the running binary's Info.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return From(bi)
}

// From reads an Info out of build information; nil gives Unknown fields.
func From(bi *debug.BuildInfo) Info {
	in := Info{Version: Unknown, Revision: Unknown, GoVersion: Unknown}
	if bi == nil {
		return in
	}
	if bi.Main.Version != "" {
		in.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		in.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				in.Revision = s.Value
			}
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one line the CLI prints:
// "imageshare v1.2.0 (revision 1a2b3c4d, go1.26.8)".
func (in Info) String() string {
	rev := in.Revision
	if in.Modified {
		rev += ", modified"
	}
	return fmt.Sprintf("imageshare %s (revision %s, %s)", in.Version, rev, in.GoVersion)
}
