package main

import (
	"strings"
	"testing"
)

// console_secret is refused under 32 bytes with an error that names the
// setting and its source but not the value; 32 bytes reach app.Config.
func TestConfig_ConsoleSecretLength(t *testing.T) {
	short := strings.Repeat("s", 31)
	_, err := resolveWith(t, map[string]string{"IMAGESHARE_CONSOLE_SECRET": short})
	if err == nil {
		t.Fatal("a 31-byte console secret was accepted")
	}
	for _, want := range []string{"console-secret", "(from env IMAGESHARE_CONSOLE_SECRET)", "at least 32 bytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), short) {
		t.Errorf("error shows the secret: %q", err)
	}

	ok := strings.Repeat("k", 32)
	conf, err := resolveWith(t, nil, "--console-secret", ok)
	if err != nil {
		t.Fatalf("a 32-byte console secret: %v", err)
	}
	if got := conf.appConfig().ConsoleSecret; got != ok {
		t.Errorf("appConfig().ConsoleSecret = %q, want %q", got, ok)
	}
	conf, err = resolveWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := conf.appConfig().ConsoleSecret; got != "" {
		t.Errorf("default ConsoleSecret = %q, want empty (a random key per process)", got)
	}
}

// config check prints console_secret masked, as admin_token.
func TestConfigCheck_MasksConsoleSecret(t *testing.T) {
	secret := "cs-" + strings.Repeat("9f3b", 10)
	file := writeFile(t, "imageshare.yaml", "console_secret: "+secret+"\n")
	out, err := runCmd(t, "config", "check", "--config", file)
	if err != nil {
		t.Fatalf("config check: %v\n%s", err, out)
	}
	if strings.Contains(out, secret) {
		t.Fatalf("config check printed the console secret:\n%s", out)
	}
	if want := "console_secret: '*****' # file " + file + "\n"; !strings.Contains(out, want) {
		t.Errorf("config check output lacks %q:\n%s", want, out)
	}
}
