package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/core"
)

// writeFile writes a file in t's temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// resolveWith parses args as serve would and resolves them against env.
func resolveWith(t *testing.T, env map[string]string, args ...string) (*serveConfig, error) {
	t.Helper()
	fs := newFlagSet("test", io.Discard)
	conf := newServeConfig()
	conf.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	err := conf.resolve(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return conf, err
}

func TestConfig_Precedence(t *testing.T) {
	file := writeFile(t, "imageshare.yaml", `
listen: 0.0.0.0:9000           # file only
db: sqlite:/var/lib/file.db    # file, then env
max_shares_per_image: 10       # file, then env, then flag
log_format: json
build_duration: 0s
`)
	env := map[string]string{
		"IMAGESHARE_CONFIG":               file,
		"IMAGESHARE_DB":                   "sqlite:/var/lib/env.db",
		"IMAGESHARE_MAX_SHARES_PER_IMAGE": "20",
		"IMAGESHARE_LOG_LEVEL":            "debug",
	}
	conf, err := resolveWith(t, env, "--max-shares-per-image", "30", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, value, source string }{
		{"listen", "0.0.0.0:9000", "file " + file},
		{"db", "sqlite:/var/lib/env.db", "env IMAGESHARE_DB"},
		{"max-shares-per-image", "30", "flag --max-shares-per-image"},
		{"log-format", "json", "file " + file},
		{"log-level", "debug", "env IMAGESHARE_LOG_LEVEL"},
		{"demo", "true", "flag --demo"},
		{"baidu-default-region", "bj", "default"},
		{"build-duration", "0s", "file " + file},
	}
	for _, w := range want {
		s := conf.get(w.name)
		if s.value != w.value || s.source != w.source {
			t.Errorf("%s = %q from %s; want %q from %s", w.name, s.value, s.source, w.value, w.source)
		}
	}
	c := conf.appConfig()
	if c.Listen != "0.0.0.0:9000" || c.DB != "sqlite:/var/lib/env.db" || c.MaxSharesPerImage != 30 || !c.Demo || c.BuildDuration != 0 {
		t.Errorf("app.Config = %+v", c)
	}
	if !conf.logger(io.Discard).Enabled(context.Background(), -4) {
		t.Error("log-level debug from the env did not reach the logger")
	}

	// --config beats IMAGESHARE_CONFIG.
	other := writeFile(t, "other.yaml", "listen: 127.0.0.1:7000\n")
	conf, err = resolveWith(t, env, "--config", other)
	if err != nil {
		t.Fatal(err)
	}
	if got := conf.str("listen"); got != "127.0.0.1:7000" {
		t.Errorf("listen = %q with --config %s, want the flag's file to win", got, other)
	}
	// Without any layer, the defaults.
	conf, err = resolveWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := conf.appConfig(); c.Listen != "127.0.0.1:8080" || c.DB != "sqlite:./imageshare.db" || c.MaxSharesPerImage != 50 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfig_Errors(t *testing.T) {
	cases := []struct {
		name, file string
		env        map[string]string
		args       []string
		want       string // a fragment of the error
	}{
		{name: "UnknownKey", file: "listen: x\nlisten_addr: y\n", want: `unknown setting "listen_addr"`},
		{name: "SetTwice", file: "listen: a:1\nlisten: b:2\n", want: "listen is set twice"},
		{name: "NotScalar", file: "listen: [a, b]\n", want: "listen must be a single value"},
		{name: "NotMapping", file: "- listen\n", want: "want a mapping"},
		{name: "BadYAML", file: "listen: : :\n\t", want: "config "},
		{name: "BadIntFromFile", file: "max_shares_per_image: many\n", want: `max-shares-per-image "many" (from file`},
		{name: "BadDurationFromEnv", env: map[string]string{"IMAGESHARE_BUILD_DURATION": "3 seconds"}, want: `build-duration "3 seconds" (from env IMAGESHARE_BUILD_DURATION)`},
		{name: "BadEnumFromFlag", args: []string{"--ucloud-account-id-type", "number"}, want: `(from flag --ucloud-account-id-type): want auto, integer or string`},
		{name: "BadDSN", args: []string{"--db", "mysql://x"}, want: "want sqlite:PATH, postgres://"},
		{name: "ZeroShares", args: []string{"--max-shares-per-image", "0"}, want: "want a positive number"},
		{name: "ZeroImageQuota", args: []string{"--max-custom-images-per-account", "0"}, want: "want a positive bound, or negative for none"},
		{name: "NegativeReadme", env: map[string]string{"IMAGESHARE_MAX_README_BYTES": "-1"}, want: `max-readme-bytes "-1" (from env IMAGESHARE_MAX_README_BYTES): want a positive number`},
		{name: "LogFormat", args: []string{"--log-format", "xml"}, want: "want text or json"},
		{name: "TLSCertWithoutKey", args: []string{"--tls-cert", "cert.pem"}, want: "want tls-cert and tls-key set together"},
		{name: "TLSKeyFromEnvWithoutCert", env: map[string]string{"IMAGESHARE_TLS_KEY": "key.pem"}, want: "(from env IMAGESHARE_TLS_KEY)"},
		{name: "ZeroHeaderTimeout", args: []string{"--read-header-timeout", "0s"}, want: "want a duration > 0"},
		{name: "MissingFile", args: []string{"--config", "/nonexistent/imageshare.yaml"}, want: "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				args = append([]string{"--config", writeFile(t, "c.yaml", tc.file)}, args...)
			}
			_, err := resolveWith(t, tc.env, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigCheck_PrintsMaskedEffectiveConfig(t *testing.T) {
	const token, password = "tok-3f9a1c", "pw-77e2b0"
	file := writeFile(t, "imageshare.yaml", "admin_token: "+token+"\ndb: postgres://imageshare:"+password+"@db.internal:5432/imageshare?sslmode=require\n")
	t.Setenv("IMAGESHARE_LISTEN", "0.0.0.0:8443")
	out, err := runCmd(t, "config", "check", "--config", file, "--log-format", "json")
	if err != nil {
		t.Fatalf("config check: %v\n%s", err, out)
	}
	if strings.Contains(out, token) || strings.Contains(out, password) {
		t.Fatalf("config check printed a secret:\n%s", out)
	}
	for _, line := range []string{
		"admin_token: '*****' # file " + file,
		"db: postgres://imageshare:xxxxx@db.internal:5432/imageshare?sslmode=require # file " + file,
		"listen: 0.0.0.0:8443 # env IMAGESHARE_LISTEN",
		"log_format: json # flag --log-format",
		"max_shares_per_image: 50 # default",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("config check output lacks %q:\n%s", line, out)
		}
	}
	// The output is itself a configuration file that resolves to the same
	// values (the secrets aside, which it does not know).
	printed := writeFile(t, "printed.yaml", out)
	t.Setenv("IMAGESHARE_LISTEN", "")
	again, err := runCmd(t, "config", "check", "--config", printed)
	if err != nil {
		t.Fatalf("config check of its own output: %v\n%s", err, again)
	}
	strip := regexp.MustCompile(` # .*`)
	if a, b := strip.ReplaceAllString(out, ""), strip.ReplaceAllString(again, ""); a != b {
		t.Errorf("the printed configuration does not read back the same:\n%s\nvs\n%s", a, b)
	}

	// An invalid configuration fails with the setting and its source.
	if out, err := runCmd(t, "config", "check", "--config", file, "--rate-limit-per-key", "-1"); err == nil || !strings.Contains(err.Error(), "rate-limit-per-key") {
		t.Fatalf("negative rate accepted: %v\n%s", err, out)
	}
	bad := writeFile(t, "seed.yaml", "accounts: [{id: x}]\n")
	if out, err := runCmd(t, "config", "check", "--seed", bad); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Fatalf("a seed file that does not parse passed the check: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "config", "lint"); err == nil {
		t.Fatal("config lint accepted")
	}
}

func TestServe_LogFormatJSON(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "log.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", db, "--log-format", "json"}, &out, &logs)
	}()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	var url string
	for deadline := time.Now().Add(20 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("serve did not start:\n%s\n%s", out.String(), logs.String())
	}
	resp, err := http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=DescribeCompShareImages"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	var request map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if line["msg"] == "http request" {
			request = line
		}
	}
	if request == nil || request["dialect"] != "ucloud" || request["action"] != "DescribeCompShareImages" || request["code"] != "170" ||
		request["request_id"] != resp.Header.Get("X-UCLOUD-REQUEST-UUID") {
		t.Fatalf("request line %v, want ucloud DescribeCompShareImages 170 with the response's request id; logs:\n%s", request, logs.String())
	}
}

// Every setting is in the table of docs/deploy.md, and the example file
// shipped in deploy/ is valid.
func TestConfig_DocumentedAndExampleValid(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range serveSettings() {
		if !strings.Contains(string(doc), "| `"+s.key()+"` |") {
			t.Errorf("setting %s is not in the table of docs/deploy.md", s.key())
		}
	}
	conf, err := resolveWith(t, nil, "--config", "../../deploy/imageshare.yaml")
	if err != nil {
		t.Fatalf("deploy/imageshare.yaml: %v", err)
	}
	if got := conf.get("listen").source; got != "file ../../deploy/imageshare.yaml" {
		t.Errorf("listen comes from %s, want the example file", got)
	}
}

// serve's defaults are app.DefaultConfig's, and --build-duration 0 reaches
// app.Config as 0, which means at once there too (app's
// TestBuildDurationZeroIsImmediate).
func TestConfig_DefaultsAndBuildDurationZero(t *testing.T) {
	conf, err := resolveWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, want := conf.appConfig(), app.DefaultConfig()
	if got.Listen != want.Listen || got.DB != want.DB || got.MaxSharesPerImage != want.MaxSharesPerImage ||
		got.UCloudAccountIDType != want.UCloudAccountIDType || got.BaiduDefaultRegion != want.BaiduDefaultRegion ||
		got.BuildDuration != want.BuildDuration || got.MaxConcurrentRequests != want.MaxConcurrentRequests ||
		got.ShutdownTimeout != want.ShutdownTimeout || got.Limits != want.Limits {
		t.Fatalf("serve's defaults %+v\ndiffer from app.DefaultConfig() %+v", got, want)
	}
	for _, args := range [][]string{{"--build-duration", "0"}, {"--build-duration", "0s"}} {
		conf, err := resolveWith(t, nil, args...)
		if err != nil {
			t.Fatal(err)
		}
		if d := conf.appConfig().BuildDuration; d != 0 {
			t.Fatalf("%v: app.Config.BuildDuration = %v, want 0", args, d)
		}
		if d := app.New(conf.appConfig()).Config.BuildDuration; d != 0 {
			t.Fatalf("%v: after Defaults, BuildDuration = %v, want 0", args, d)
		}
	}
}

// The quota settings reach app.Config's Limits from every layer; a
// negative quota is no bound, which the core passes to the store as 0.
func TestConfig_Quotas(t *testing.T) {
	file := writeFile(t, "q.yaml", "max_custom_images_per_account: 5\nmax_readme_bytes: 1024\n")
	env := map[string]string{"IMAGESHARE_MAX_TEXT_BYTES_PER_ACCOUNT": "-1", "IMAGESHARE_MAX_COVER_BYTES": "2048"}
	conf, err := resolveWith(t, env, "--config", file, "--max-community-versions-per-account", "7", "--max-name-bytes", "64", "--max-description-bytes", "512")
	if err != nil {
		t.Fatal(err)
	}
	want := core.Limits{MaxCustomImages: 5, MaxCommunityVersions: 7, MaxTextBytes: -1, MaxInstances: 50,
		MaxNameBytes: 64, MaxDescriptionBytes: 512, MaxReadmeBytes: 1024, MaxCoverBytes: 2048}
	if got := conf.appConfig().Limits; got != want {
		t.Fatalf("Limits = %+v, want %+v", got, want)
	}
}

// A DSN is printed without its password by config check and serve, valid
// or not, in URL form or key=value form.
func TestDSNPasswordNeverPrinted(t *testing.T) {
	const secret = "s3cr3tpw"
	for _, tc := range []struct {
		args    []string
		wantErr bool
	}{
		{[]string{"config", "check", "--db", "postgress://user:" + secret + "@host/db"}, true},
		{[]string{"config", "check", "--db", "user:" + secret + "@host/db"}, true},
		{[]string{"config", "check", "--db", "postgres://user:" + secret + "@host/db"}, false},
		{[]string{"config", "check", "--db", "host=x user=u password=" + secret + " dbname=d"}, false},
		{[]string{"config", "check", "--db", "host=x password='" + secret + "' dbname=d"}, false},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--db", "postgress://user:" + secret + "@host/db"}, true},
		// Parses, then fails to connect (nothing listens on port 1).
		{[]string{"serve", "--listen", "127.0.0.1:0", "--db", "host=127.0.0.1 port=1 user=u password=" + secret + " dbname=d connect_timeout=2"}, true},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--db", "postgres://u:" + secret + "@127.0.0.1:1/d?connect_timeout=2"}, true},
		{[]string{"migrate", "--db", "postgress://user:" + secret + "@host/db"}, true},
		{[]string{"export", "--db", "host=127.0.0.1 port=1 password=" + secret + " connect_timeout=2"}, true},
	} {
		out, err := runCmd(t, tc.args...)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err = %v, want an error: %v\n%s", tc.args, err, tc.wantErr, out)
		}
		shown := out
		if err != nil {
			shown += err.Error()
		}
		if strings.Contains(shown, secret) {
			t.Errorf("%q printed the password:\n%s", tc.args, shown)
		}
		if tc.wantErr && err != nil && !strings.Contains(err.Error(), "xxxxx") && strings.Contains(tc.args[len(tc.args)-1], "postgress") {
			t.Errorf("%q: %v does not show the DSN redacted", tc.args, err)
		}
	}
}
