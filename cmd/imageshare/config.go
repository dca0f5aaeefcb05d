package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/storecache"
)

// The server's configuration comes from four layers, each overriding the
// one before (see docs/deploy.md, "Configuration"):
//
//  1. defaults;
//  2. a YAML file named by --config or IMAGESHARE_CONFIG;
//  3. environment variables IMAGESHARE_<NAME>;
//  4. command-line flags --<name>.
//
// Every setting has one name: the flag is --max-shares-per-image, the file
// key max_shares_per_image and the variable IMAGESHARE_MAX_SHARES_PER_IMAGE.
// The table below is the only list of settings; serve and config check
// both read it.

// settingKind is how a setting's text is parsed.
type settingKind int

const (
	kindString settingKind = iota
	kindBool
	kindInt
	kindFloat
	kindDuration
)

// setting is one configuration value and where it came from.
type setting struct {
	name   string // flag name; the file key and env name derive from it
	def    string
	usage  string
	kind   settingKind
	secret bool // printed masked by config check
	dsn    bool // a store DSN: its password is masked

	value   string
	source  string // "default", "file PATH", "env NAME" or "flag"
	flagVal *string
}

// shown is the value as messages may print it: a DSN without its
// password, a secret masked.
func (s *setting) shown() string {
	switch {
	case s.secret && s.value != "":
		return masked
	case s.dsn:
		return dsn.Redact(s.value)
	}
	return s.value
}

func (s *setting) key() string { return strings.ReplaceAll(s.name, "-", "_") }
func (s *setting) env() string { return "IMAGESHARE_" + strings.ToUpper(s.key()) }

// serveSettings returns the settings of serve with their defaults, which
// are app.DefaultConfig's: the server has one source of defaults.
func serveSettings() []*setting {
	d := app.DefaultConfig()
	return []*setting{
		{name: "listen", def: d.Listen, usage: "address to listen on"},
		{name: "db", def: d.DB, dsn: true, usage: "store DSN: sqlite:PATH or postgres://USER@HOST/DB"},
		{name: "seed", usage: "seed file (YAML or JSON) to load at start"},
		{name: "demo", kind: kindBool, def: "false", usage: "load the demo dataset and print credentials and example calls"},
		{name: "max-shares-per-image", kind: kindInt, def: strconv.Itoa(d.MaxSharesPerImage), usage: "per-image cap on shared accounts"},
		{name: "max-custom-images-per-account", kind: kindInt, def: strconv.Itoa(d.Limits.MaxCustomImages), usage: "custom images one account may have; negative means no bound"},
		{name: "max-community-versions-per-account", kind: kindInt, def: strconv.Itoa(d.Limits.MaxCommunityVersions), usage: "community versions one account may have published; negative means no bound"},
		{name: "max-text-bytes-per-account", kind: kindInt, def: strconv.FormatInt(d.Limits.MaxTextBytes, 10), usage: "bytes of all of one account's image names, descriptions, readmes and covers together; negative means no bound"},
		{name: "max-name-bytes", kind: kindInt, def: strconv.Itoa(d.Limits.MaxNameBytes), usage: "bytes of an image or version name"},
		{name: "max-description-bytes", kind: kindInt, def: strconv.Itoa(d.Limits.MaxDescriptionBytes), usage: "bytes of an image description or version description"},
		{name: "max-readme-bytes", kind: kindInt, def: strconv.Itoa(d.Limits.MaxReadmeBytes), usage: "bytes of an image's readme"},
		{name: "max-cover-bytes", kind: kindInt, def: strconv.Itoa(d.Limits.MaxCoverBytes), usage: "bytes of an image's cover (a URL or base64 image)"},
		{name: "ucloud-account-id-type", def: d.UCloudAccountIDType, usage: "UCloud AccountSet AccountId type: auto, integer or string"},
		{name: "baidu-default-region", def: d.BaiduDefaultRegion, usage: "region of BCE requests whose host names none"},
		{name: "admin-token", secret: true, usage: "bearer token of the admin API at /admin/; empty turns it off (prefer the file or env: flags show in ps)"},
		{name: "console-secret", secret: true, usage: "at least 32 bytes from which every replica derives the web console's session and CSRF signing key, so sessions survive restarts and need no sticky routing; empty: a random key per process (prefer the file or env: flags show in ps)"},
		{name: "admin-listen", usage: "address of a second listener serving /metrics, /admin/ and /console/admin/ only (those paths are then 404 on listen); empty: all on listen"},
		{name: "pprof", kind: kindBool, def: "false", usage: "serve Go's runtime profiles at /debug/pprof/ on the admin listener (needs admin-listen; never on listen)"},
		{name: "build-duration", kind: kindDuration, def: d.BuildDuration.String(), usage: "how long a custom image build takes; 0 finishes builds at once"},
		{name: "instance-duration", kind: kindDuration, def: d.InstanceDuration.String(), usage: "how long an instance takes to start or stop; 0 at once"},
		{name: "max-instances-per-account", kind: kindInt, def: strconv.Itoa(d.Limits.MaxInstances), usage: "instances one account may have; negative means no bound"},
		{name: "rate-limit-per-key", kind: kindFloat, def: "0", usage: "requests per second each access key may make (on PostgreSQL across all replicas; on SQLite per process); 0 means no limit"},
		{name: "rate-limit-burst", kind: kindInt, def: "0", usage: "requests a key may make at once before the rate applies; 0 means one second's worth"},
		{name: "max-concurrent-requests", kind: kindInt, def: strconv.Itoa(d.MaxConcurrentRequests), usage: "API requests served at once; more are refused as busy; negative means no bound"},
		{name: "shutdown-timeout", kind: kindDuration, def: d.ShutdownTimeout.String(), usage: "how long in-flight requests may take to finish at shutdown"},
		{name: "trusted-proxies", usage: "comma-separated CIDRs of load balancers whose X-Forwarded-For names the caller's address for access policies (acs:SourceIp); empty: the TCP peer"},
		{name: "read-header-timeout", kind: kindDuration, def: app.DefaultReadHeaderTimeout.String(), usage: "how long a client may take to send a request's headers"},
		{name: "body-read-timeout", kind: kindDuration, def: app.DefaultBodyReadTimeout.String(), usage: "how long a client may take to send an API request's body (read before the request takes a concurrency slot)"},
		{name: "max-connections-per-client", kind: kindInt, def: strconv.Itoa(app.DefaultMaxConnsPerClient), usage: "connections one client address may hold open (trusted proxies exempt); negative means no bound"},
		{name: "tls-cert", usage: "PEM certificate file: serve HTTPS (with tls-key)"},
		{name: "tls-key", usage: "PEM private key file of tls-cert"},
		{name: "read-cache", kind: kindBool, def: "true", usage: "keep in-process caches of the hot reads, invalidated by the store's change log so that reads stay linearizable (docs/caching.md); false for diagnosis"},
		{name: "read-cache-mb", kind: kindInt, def: strconv.Itoa(storecache.DefaultBudget >> 20), usage: "memory bound of the read caches, in MiB (estimated bytes of the entries held)"},
		{name: "log-format", def: "text", usage: "log format: text or json"},
		{name: "log-level", def: "info", usage: "lowest level logged: debug, info, warn or error"},
	}
}

// serveConfig is serve's settings being resolved from their layers.
type serveConfig struct {
	settings   []*setting
	configFile *string
}

func newServeConfig() *serveConfig {
	return &serveConfig{settings: serveSettings()}
}

// settingFlag is a flag that records whether it was given.
type settingFlag struct{ s *setting }

func (f settingFlag) String() string {
	if f.s == nil || f.s.flagVal == nil {
		return ""
	}
	return *f.s.flagVal
}

func (f settingFlag) Set(v string) error {
	f.s.flagVal = &v
	return nil
}

func (f settingFlag) IsBoolFlag() bool { return f.s != nil && f.s.kind == kindBool }

// Type is the setting's value word in help (--listen string, --demo).
func (f settingFlag) Type() string {
	if f.s == nil || f.s.kind == kindBool {
		return "bool"
	}
	if w := valueWord(f.s.kind); w != "" {
		return w
	}
	return "string"
}

// register adds --config and a flag per setting to fs.
func (c *serveConfig) register(fs *flag.FlagSet) {
	c.configFile = fs.String("config", "", "YAML configuration file (env IMAGESHARE_CONFIG)")
	for _, s := range c.settings {
		// The value's word in help is settingFlag.Type.
		usage := s.usage + " (env " + s.env()
		if s.def != "" {
			usage += ", default " + s.def
		}
		fs.Var(settingFlag{s}, s.name, usage+")")
	}
}

// resolve applies the layers in order: defaults, the file, the
// environment, the flags. lookupEnv is os.LookupEnv outside tests.
func (c *serveConfig) resolve(lookupEnv func(string) (string, bool)) error {
	for _, s := range c.settings {
		s.value, s.source = s.def, "default"
	}
	path := *c.configFile
	if path == "" {
		path, _ = lookupEnv("IMAGESHARE_CONFIG")
	}
	if path != "" {
		if err := c.applyFile(path); err != nil {
			return err
		}
	}
	for _, s := range c.settings {
		if v, ok := lookupEnv(s.env()); ok && v != "" {
			s.value, s.source = v, "env "+s.env()
		}
	}
	for _, s := range c.settings {
		if s.flagVal != nil {
			s.value, s.source = *s.flagVal, "flag --"+s.name
		}
	}
	return c.validate()
}

// applyFile reads a flat YAML mapping of setting keys to scalars.
// Unknown keys are refused, so that a typo does not pass silently.
func (c *serveConfig) applyFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config %s: want a mapping of settings (key: value), line %d", path, root.Line)
	}
	byKey := map[string]*setting{}
	for _, s := range c.settings {
		byKey[s.key()] = s
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		s, ok := byKey[k.Value]
		if !ok {
			return fmt.Errorf("config %s:%d: unknown setting %q (known: %s)", path, k.Line, k.Value, c.keys())
		}
		if seen[k.Value] {
			return fmt.Errorf("config %s:%d: %s is set twice", path, k.Line, k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("config %s:%d: %s must be a single value", path, v.Line, k.Value)
		}
		if v.Tag == "!!null" {
			continue
		}
		s.value, s.source = v.Value, "file "+path
	}
	return nil
}

func (c *serveConfig) keys() string {
	var names []string
	for _, s := range c.settings {
		names = append(names, s.key())
	}
	return strings.Join(names, ", ")
}

func (c *serveConfig) get(name string) *setting {
	for _, s := range c.settings {
		if s.name == name {
			return s
		}
	}
	panic("config: no setting " + name)
}

func (c *serveConfig) str(name string) string { return c.get(name).value }

func (c *serveConfig) boolean(name string) bool {
	b, _ := strconv.ParseBool(c.get(name).value)
	return b
}

func (c *serveConfig) integer(name string) int {
	n, _ := strconv.Atoi(c.get(name).value)
	return n
}

func (c *serveConfig) float(name string) float64 {
	f, _ := strconv.ParseFloat(c.get(name).value, 64)
	return f
}

func (c *serveConfig) duration(name string) time.Duration {
	d, _ := time.ParseDuration(c.get(name).value)
	return d
}

// validate checks every value's type and range, naming where a bad
// value came from.
func (c *serveConfig) validate() error {
	for _, s := range c.settings {
		var err error
		switch s.kind {
		case kindBool:
			_, err = strconv.ParseBool(s.value)
		case kindInt:
			_, err = strconv.Atoi(s.value)
		case kindFloat:
			_, err = strconv.ParseFloat(s.value, 64)
		case kindDuration:
			_, err = time.ParseDuration(s.value)
		}
		if err != nil {
			return fmt.Errorf("%s %q (from %s): not a valid %s", s.name, s.shown(), s.source, kindName(s.kind))
		}
	}
	check := func(name string, ok bool, want string) error {
		if ok {
			return nil
		}
		s := c.get(name)
		return fmt.Errorf("%s %q (from %s): want %s", s.name, s.shown(), s.source, want)
	}
	return firstErr(
		check("listen", c.str("listen") != "", "an address such as 127.0.0.1:8080"),
		check("db", validDSN(c.str("db")), dsn.Want),
		check("max-shares-per-image", c.integer("max-shares-per-image") > 0, "a positive number"),
		check("max-custom-images-per-account", c.integer("max-custom-images-per-account") != 0, "a positive bound, or negative for none"),
		check("max-community-versions-per-account", c.integer("max-community-versions-per-account") != 0, "a positive bound, or negative for none"),
		check("max-text-bytes-per-account", c.integer("max-text-bytes-per-account") != 0, "a positive bound, or negative for none"),
		check("max-name-bytes", c.integer("max-name-bytes") > 0, "a positive number"),
		check("max-description-bytes", c.integer("max-description-bytes") > 0, "a positive number"),
		check("max-readme-bytes", c.integer("max-readme-bytes") > 0, "a positive number"),
		check("max-cover-bytes", c.integer("max-cover-bytes") > 0, "a positive number"),
		check("ucloud-account-id-type", oneOf(c.str("ucloud-account-id-type"), "auto", "integer", "string"), "auto, integer or string"),
		check("baidu-default-region", c.str("baidu-default-region") != "", "a region name"),
		check("console-secret", c.str("console-secret") == "" || len(c.str("console-secret")) >= app.MinConsoleSecretBytes, fmt.Sprintf("at least %d bytes (e.g. openssl rand -hex 32), or empty for a random key per process", app.MinConsoleSecretBytes)),
		check("build-duration", c.duration("build-duration") >= 0, "a duration >= 0"),
		check("rate-limit-per-key", c.float("rate-limit-per-key") >= 0, "a rate >= 0"),
		check("rate-limit-burst", c.integer("rate-limit-burst") >= 0, "a count >= 0"),
		check("max-concurrent-requests", c.integer("max-concurrent-requests") != 0, "a positive bound, or negative for none"),
		check("read-cache-mb", c.integer("read-cache-mb") > 0, "a positive number of MiB"),
		check("shutdown-timeout", c.duration("shutdown-timeout") > 0, "a duration > 0"),
		check("trusted-proxies", validProxies(c.str("trusted-proxies")), "comma-separated addresses or CIDR blocks"),
		check("read-header-timeout", c.duration("read-header-timeout") > 0, "a duration > 0"),
		check("body-read-timeout", c.duration("body-read-timeout") > 0, "a duration > 0"),
		check("max-connections-per-client", c.integer("max-connections-per-client") != 0, "a positive bound, or negative for none"),
		check("tls-key", (c.str("tls-cert") == "") == (c.str("tls-key") == ""), "tls-cert and tls-key set together"),
		check("log-format", oneOf(c.str("log-format"), "text", "json"), "text or json"),
		check("log-level", oneOf(c.str("log-level"), "debug", "info", "warn", "error"), "debug, info, warn or error"),
	)
}

// valueWord is the placeholder -h prints after a flag taking a value.
func valueWord(k settingKind) string {
	switch k {
	case kindBool:
		return ""
	case kindInt:
		return "int"
	case kindFloat:
		return "number"
	case kindDuration:
		return "duration"
	}
	return "string"
}

func kindName(k settingKind) string {
	switch k {
	case kindBool:
		return "boolean (true or false)"
	case kindInt:
		return "whole number"
	case kindFloat:
		return "number"
	case kindDuration:
		return "duration such as 3s or 1m30s"
	}
	return "string"
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// appConfig returns the resolved settings as an app.Config (no logger).
func (c *serveConfig) appConfig() app.Config {
	return app.Config{
		Listen:            c.str("listen"),
		DB:                c.str("db"),
		SeedFile:          c.str("seed"),
		Demo:              c.boolean("demo"),
		MaxSharesPerImage: c.integer("max-shares-per-image"),
		Limits: core.Limits{
			MaxCustomImages:      c.integer("max-custom-images-per-account"),
			MaxInstances:         c.integer("max-instances-per-account"),
			MaxCommunityVersions: c.integer("max-community-versions-per-account"),
			MaxTextBytes:         int64(c.integer("max-text-bytes-per-account")),
			MaxNameBytes:         c.integer("max-name-bytes"),
			MaxDescriptionBytes:  c.integer("max-description-bytes"),
			MaxReadmeBytes:       c.integer("max-readme-bytes"),
			MaxCoverBytes:        c.integer("max-cover-bytes"),
		},
		UCloudAccountIDType:   c.str("ucloud-account-id-type"),
		BaiduDefaultRegion:    c.str("baidu-default-region"),
		AdminToken:            c.str("admin-token"),
		ConsoleSecret:         c.str("console-secret"),
		AdminListen:           c.str("admin-listen"),
		Pprof:                 c.boolean("pprof"),
		BuildDuration:         c.duration("build-duration"), // 0: at once, as in app.Config
		InstanceDuration:      c.duration("instance-duration"),
		RateLimitPerKey:       c.float("rate-limit-per-key"),
		RateLimitBurst:        c.integer("rate-limit-burst"),
		MaxConcurrentRequests: c.integer("max-concurrent-requests"),
		ShutdownTimeout:       c.duration("shutdown-timeout"),
		TrustedProxies:        trustedProxies(c.str("trusted-proxies")),
		ReadHeaderTimeout:     c.duration("read-header-timeout"),
		BodyReadTimeout:       c.duration("body-read-timeout"),
		MaxConnsPerClient:     c.integer("max-connections-per-client"),
		TLSCertFile:           c.str("tls-cert"),
		TLSKeyFile:            c.str("tls-key"),
		ReadCacheBytes:        readCacheBytes(c.boolean("read-cache"), c.integer("read-cache-mb")),
	}
}

// readCacheBytes is app.Config.ReadCacheBytes for read-cache and
// read-cache-mb: negative turns the caches off.
func readCacheBytes(on bool, mb int) int64 {
	if !on {
		return -1
	}
	return int64(mb) << 20
}

func validDSN(s string) bool {
	_, err := dsn.Parse(s)
	return err == nil
}

func validProxies(s string) bool {
	_, err := app.ParseTrustedProxies(s)
	return err == nil
}

// trustedProxies parses a value validate has accepted.
func trustedProxies(s string) []netip.Prefix {
	p, _ := app.ParseTrustedProxies(s)
	return p
}

// logger returns the logger the settings ask for, writing to w.
func (c *serveConfig) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.str("log-level")))
	opts := &slog.HandlerOptions{Level: level}
	if c.str("log-format") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// masked is how config check prints a secret that is set.
const masked = "*****"

// effectiveYAML renders the resolved settings as a configuration file,
// secrets masked, each value commented with where it came from.
func (c *serveConfig) effectiveYAML() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range c.settings {
		v := s.shown()
		tag := "" // numbers and booleans print plain
		if s.kind == kindString || s.kind == kindDuration {
			tag = "!!str" // quoted when it would read as something else
		}
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.key()},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v, LineComment: "# " + s.source})
	}
	var buf bytes.Buffer
	buf.WriteString("# imageshare effective configuration: defaults < file < env < flags\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
