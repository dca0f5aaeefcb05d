package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// The commands for people (images, share, community, publish) talk to a
// running server over the UCloud dialect, signing with a key from a
// profile: a YAML file
//
//	url: http://127.0.0.1:8080
//	public_key: demo-alice-public
//	private_key: demo-alice-private
//	region: cn-wlcb
//
// at --profile, $IMAGESHARE_PROFILE or ~/.config/imageshare/profile.yaml
// ($XDG_CONFIG_HOME/imageshare/profile.yaml), each field overridden by
// IMAGESHARE_URL, IMAGESHARE_PUBLIC_KEY, IMAGESHARE_PRIVATE_KEY and
// IMAGESHARE_REGION, and the URL and region by --url and --region.

// profile is where a CLI command sends its calls and the key it signs with.
type profile struct {
	URL        string `yaml:"url"`
	PublicKey  string `yaml:"public_key"`
	PrivateKey string `yaml:"private_key"`
	Region     string `yaml:"region"`
}

// defaultProfileRegion is the region when no layer names one: the
// UCloud dialect's home region.
const defaultProfileRegion = "cn-wlcb"

// clientOpts are the flags every client command shares.
type clientOpts struct {
	profile, url, region *string
	json                 *bool
}

func addClientFlags(fs *flag.FlagSet) *clientOpts {
	return &clientOpts{
		profile: fs.String("profile", "", "profile file (env IMAGESHARE_PROFILE, default ~/.config/imageshare/profile.yaml)"),
		url:     fs.String("url", "", "server URL (env IMAGESHARE_URL; overrides the profile)"),
		region:  fs.String("region", "", "region (env IMAGESHARE_REGION; overrides the profile; default "+defaultProfileRegion+")"),
		json:    fs.Bool("json", false, "print JSON for scripts instead of a table"),
	}
}

// defaultProfilePath is ~/.config/imageshare/profile.yaml, or under
// $XDG_CONFIG_HOME when set.
func defaultProfilePath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "imageshare", "profile.yaml")
}

// loadProfile resolves the profile: file < env < flags. warn receives
// advice that does not stop the command (a profile others can read).
func (o *clientOpts) loadProfile(lookupEnv func(string) (string, bool), warn io.Writer) (*profile, error) {
	env := func(name string) string { v, _ := lookupEnv(name); return v }
	p := &profile{}
	path, explicit := *o.profile, *o.profile != ""
	if !explicit {
		if path = env("IMAGESHARE_PROFILE"); path != "" {
			explicit = true
		} else {
			path = defaultProfilePath()
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("profile %s: %w (keys: url, public_key, private_key, region)", path, err)
			}
			if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 && p.PrivateKey != "" {
				fmt.Fprintf(warn, "imageshare: warning: profile %s holds a private key and is readable by others; chmod 600 it\n", path)
			}
		case explicit || !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("profile: %w", err)
		}
	}
	for name, dst := range map[string]*string{"IMAGESHARE_URL": &p.URL, "IMAGESHARE_PUBLIC_KEY": &p.PublicKey,
		"IMAGESHARE_PRIVATE_KEY": &p.PrivateKey, "IMAGESHARE_REGION": &p.Region} {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	if *o.url != "" {
		p.URL = *o.url
	}
	if *o.region != "" {
		p.Region = *o.region
	}
	if p.Region == "" {
		p.Region = defaultProfileRegion
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"url", p.URL}, {"public_key", p.PublicKey}, {"private_key", p.PrivateKey}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		where := path
		if where == "" {
			where = "~/.config/imageshare/profile.yaml"
		}
		return nil, fmt.Errorf("no %s: write them to %s (url, public_key, private_key, region) or set IMAGESHARE_URL, IMAGESHARE_PUBLIC_KEY and IMAGESHARE_PRIVATE_KEY",
			strings.Join(missing, ", "), where)
	}
	p.URL = strings.TrimSuffix(p.URL, "/")
	if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
		return nil, fmt.Errorf("url %q: want http://HOST:PORT or https://HOST", p.URL)
	}
	return p, nil
}

// remote is a client command's connection: the UCloud client and the
// profile it was made from.
type remote struct {
	p *profile
	c *ucloudclient.Client
}

func (o *clientOpts) connect(stderr io.Writer) (*remote, error) {
	p, err := o.loadProfile(os.LookupEnv, stderr)
	if err != nil {
		return nil, err
	}
	return &remote{p: p, c: ucloudclient.New(p.URL, p.PublicKey, p.PrivateKey, ucloudclient.WithRegion(p.Region))}, nil
}

// call runs one action and turns the client's errors into sentences that
// say what the server said, or why it could not be asked.
func (r *remote) call(ctx context.Context, action string, params map[string]any, out any) error {
	err := r.c.Call(ctx, action, params, out)
	if err == nil {
		return nil
	}
	var rc *ucloudclient.RetCodeError
	var hs *ucloudclient.HTTPStatusError
	var be *ucloudclient.BodyError
	var ne net.Error
	switch {
	case errors.As(err, &rc):
		return fmt.Errorf("%s refused: RetCode %d: %s (request %s)", action, rc.RetCode, rc.Message, rc.RequestUUID)
	case errors.As(err, &hs):
		return fmt.Errorf("%s: %s answered HTTP %d; is it an imageshare server?", action, r.p.URL, hs.StatusCode)
	case errors.As(err, &be):
		return fmt.Errorf("%s: %s sent a response this client cannot read: %v", action, r.p.URL, be.Err)
	case errors.As(err, &ne), errors.Is(err, ucloudclient.ErrEmptyBody):
		return fmt.Errorf("%s: cannot reach the server at %s: %v", action, r.p.URL, err)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// table prints rows under a header, columns aligned.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
