package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestMain lets the test binary stand in for the imageshare binary, so
// that the generated shell scripts can call it back (they run
// "imageshare __complete ..." for every TAB).
func TestMain(m *testing.M) {
	if os.Getenv("IMAGESHARE_TEST_AS_CLI") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cliOnPath puts an "imageshare" on PATH that runs this test binary as
// the CLI.
func cliOnPath(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nIMAGESHARE_TEST_AS_CLI=1 exec %q \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(dir, "imageshare"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// The bash script cobra generates completes commands, subcommands and
// every command's flags, as bash does when TAB is pressed after the last
// word.
func TestCompletion(t *testing.T) {
	out, _, err := cli(t, "completion", "bash")
	if err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed; the script is checked where it is")
	}
	cliOnPath(t)
	// The script uses the bash-completion package's word splitter, as
	// every cobra program's does; where that package is not installed
	// the test stands in for it with the words as bash gives them.
	prelude := `_get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }` + "\n"
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err == nil {
		prelude = "source /usr/share/bash-completion/bash_completion\n"
	}
	complete := func(words ...string) []string {
		t.Helper()
		line := strings.Join(words, " ")
		script := prelude + out + fmt.Sprintf("\nCOMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%q; COMP_POINT=%d; __start_imageshare 2>/dev/null; printf '%%s\\n' \"${COMPREPLY[@]}\"\n",
			quoteWords(words), len(words)-1, line, len(line))
		res, err := exec.Command(bash, "--norc", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, res)
		}
		got := strings.Fields(string(res))
		slices.Sort(got)
		return got
	}
	cases := []struct {
		words []string
		want  []string
	}{
		{[]string{"imageshare", "sh"}, []string{"share"}},
		{[]string{"imageshare", "share", ""}, []string{"add", "ls", "rm"}},
		{[]string{"imageshare", "images", "ls", "--sh"}, []string{"--shared-with-me"}},
		{[]string{"imageshare", "community", "ls", "--se"}, []string{"--search"}},
		{[]string{"imageshare", "serve", "--log-f"}, []string{"--log-format"}},
		{[]string{"imageshare", "publish", "img", "--ta"}, []string{"--tag"}},
		{[]string{"imageshare", "pol"}, []string{"policy"}},
		{[]string{"imageshare", "policy", "create", "--doc"}, []string{"--document"}},
		{[]string{"imageshare", "completion", ""}, []string{"bash", "fish", "powershell", "zsh"}},
	}
	for _, tc := range cases {
		if got := complete(tc.words...); !slices.Equal(got, tc.want) {
			t.Errorf("completing %q: %q, want %q", tc.words, got, tc.want)
		}
	}
	for shell, want := range map[string]string{
		"zsh":        "#compdef imageshare\ncompdef _imageshare imageshare\n",
		"fish":       "complete -c imageshare ",
		"powershell": "Register-ArgumentCompleter -CommandName 'imageshare'",
	} {
		script, _, err := cli(t, "completion", shell)
		if err != nil || !strings.Contains(script, want) {
			t.Errorf("completion %s: %v: no %q in\n%.300s", shell, err, want, script)
		}
	}
	if _, _, err := cli(t, "completion", "tcsh"); err == nil {
		t.Fatal("completion tcsh accepted")
	}
}

// Completion covers every command: for each one, cobra's completion
// engine (what all four scripts call) offers its subcommands and every
// flag it parses.
func TestCompletionCoversEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.HasAvailableSubCommands() {
			got := completions(t, append(path, ""))
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() && !slices.Contains(got, sub.Name()) {
					t.Errorf("imageshare %s <TAB> lacks %q: %q", strings.Join(path, " "), sub.Name(), got)
				}
			}
		}
		if c.Runnable() && c.HasAvailableLocalFlags() {
			got := completions(t, append(path, "--"))
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !slices.Contains(got, "--"+f.Name) {
					t.Errorf("imageshare %s --<TAB> lacks --%s: %q", strings.Join(path, " "), f.Name, got)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	walk(newRoot(io.Discard, io.Discard), nil)
}

// completions asks cobra's completion engine what TAB offers after args.
func completions(t *testing.T, args []string) []string {
	t.Helper()
	out, errOut, err := cli(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if err != nil {
		t.Fatalf("__complete %q: %v\n%s", args, err, errOut)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		names = append(names, name)
	}
	return names
}

// Every command explains itself: a one-line summary in the command list,
// and for a command that runs, an example or a longer text. A command
// added without them fails here.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	count := 0
	walk = func(c *cobra.Command) {
		count++
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%q has no Short help", c.CommandPath())
		}
		if c.Runnable() && !c.HasSubCommands() && strings.TrimSpace(c.Example) == "" && strings.TrimSpace(c.Long) == "" {
			t.Errorf("%q has neither an Example nor a Long help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := newRoot(io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	walk(root)
	if count < 40 {
		t.Fatalf("walked %d commands; the tree is not what this test expects", count)
	}
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}
