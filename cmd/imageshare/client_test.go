package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// The CLI for people against a real server: an apptest server on loopback,
// the commands run as the binary runs them, with a profile file.

// isolateEnv clears the variables a developer's shell may set, so that
// only what a test gives counts.
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{"IMAGESHARE_URL", "IMAGESHARE_PUBLIC_KEY", "IMAGESHARE_PRIVATE_KEY", "IMAGESHARE_REGION", "IMAGESHARE_PROFILE"} {
		t.Setenv(v, "")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
}

// writeProfile writes a private profile for key on srv and returns its path.
func writeProfile(t *testing.T, url string, key *imageshare.AccessKey) string {
	t.Helper()
	return writeFileMode(t, "profile.yaml", fmt.Sprintf("url: %s\npublic_key: %s\nprivate_key: %s\nregion: cn-wlcb\n",
		url, key.PublicKey, key.PrivateKey), 0o600)
}

func writeFileMode(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs one command line and returns stdout, stderr and the error.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// cliJSON runs a command with --json and decodes its output into v.
func cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, errOut, err := cli(t, append(args, "--json")...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v --json printed %q: %v", args, out, err)
	}
}

// tableRows returns a table's rows as fields, without the header.
func tableRows(t *testing.T, out string, header ...string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, header) {
		t.Fatalf("table header %q, want %q:\n%s", got, header, out)
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

func TestCLI_ImagesAndShares(t *testing.T) {
	isolateEnv(t)
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	friend, friendKey := srv.Account(t, "friend@example.com")
	other, _ := srv.Account(t, "other@example.com")
	llama := srv.Image(t, &imageshare.Image{ID: "compshareImage-cli-llama", OwnerID: owner.ID, Name: "llama-finetune", SizeMB: 51200})
	comfy := srv.Image(t, &imageshare.Image{ID: "compshareImage-cli-comfy", OwnerID: owner.ID, Name: "comfyui", SizeMB: 800})
	profile := writeProfile(t, srv.URL, key)
	friendProfile := writeProfile(t, srv.URL, friendKey)

	// images ls: a table of the owner's images, oldest first.
	out, _, err := cli(t, "images", "ls", "--profile", profile)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, out, "ID", "NAME", "STATUS", "SIZE", "CREATED")
	if len(rows) != 2 || rows[0][0] != llama.ID || rows[0][1] != "llama-finetune" || rows[0][2] != "Available" ||
		rows[0][3]+" "+rows[0][4] != "50.0 GB" || rows[1][0] != comfy.ID || rows[1][3]+" "+rows[1][4] != "800 MB" {
		t.Fatalf("images ls:\n%s", out)
	}
	var images []imageOut
	cliJSON(t, &images, "images", "ls", "--profile", profile)
	if len(images) != 2 || images[0].ID != llama.ID || images[0].SizeMB != 51200 || images[0].Type != "Custom" ||
		images[0].CreatedAt != llama.CreatedAt.UTC().Truncate(1e9).Format("2006-01-02T15:04:05Z07:00") || images[0].OwnerID != fmt.Sprint(owner.ID) {
		t.Fatalf("images ls --json: %+v", images)
	}

	// share add: flags after the arguments work too.
	var change shareChangeOut
	cliJSON(t, &change, "share", "add", llama.ID, fmt.Sprint(friend.ID), fmt.Sprint(other.ID), "--profile", profile)
	if change.Image != llama.ID || !slices.Equal(change.Accounts, []int64{friend.ID, other.ID}) || len(change.InvalidAccounts) != 0 {
		t.Fatalf("share add --json: %+v", change)
	}
	out, _, err = cli(t, "share", "ls", "--profile", profile, llama.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows = tableRows(t, out, "ACCOUNT", "NAME")
	if len(rows) != 2 || rows[0][0] != fmt.Sprint(friend.ID) || rows[0][1] != "friend@example.com" || rows[1][0] != fmt.Sprint(other.ID) {
		t.Fatalf("share ls:\n%s", out)
	}
	out, _, err = cli(t, "share", "rm", "--profile", profile, llama.ID, fmt.Sprint(other.ID))
	if err != nil || out != fmt.Sprintf("stopped sharing %s with %d\n", llama.ID, other.ID) {
		t.Fatalf("share rm: %v %q", err, out)
	}
	var accounts []shareAccountOut
	cliJSON(t, &accounts, "share", "ls", llama.ID, "--profile", profile)
	if len(accounts) != 1 || accounts[0] != (shareAccountOut{AccountID: fmt.Sprint(friend.ID), AccountName: "friend@example.com"}) {
		t.Fatalf("share ls --json after rm: %+v", accounts)
	}

	// The friend sees it among the images shared with it, with its owner.
	out, _, err = cli(t, "images", "ls", "--shared-with-me", "--profile", friendProfile)
	if err != nil {
		t.Fatal(err)
	}
	rows = tableRows(t, out, "ID", "NAME", "STATUS", "SIZE", "CREATED", "OWNER")
	if len(rows) != 1 || rows[0][0] != llama.ID || rows[0][len(rows[0])-1] != "owner@example.com" {
		t.Fatalf("images ls --shared-with-me:\n%s", out)
	}
	cliJSON(t, &images, "images", "ls", "--shared-with-me", "--profile", profile)
	if len(images) != 0 {
		t.Fatalf("the owner has nothing shared with it, got %+v", images)
	}

	// An unknown account in the list: the rest is applied, the command fails naming it.
	out, _, err = cli(t, "share", "add", llama.ID, "999999", fmt.Sprint(other.ID), "--profile", profile)
	if err == nil || !strings.Contains(err.Error(), "999999: no such account") || !strings.Contains(out, fmt.Sprintf("shared %s with %d", llama.ID, other.ID)) {
		t.Fatalf("share add with an unknown account: %v\n%s", err, out)
	}
}

func TestCLI_Errors(t *testing.T) {
	isolateEnv(t)
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID})
	profile := writeProfile(t, srv.URL, key)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"UnknownImage", []string{"share", "ls", "compshareImage-nope", "--profile", profile},
			`DescribeCompShareImageShareAccounts refused: RetCode 300: image "compshareImage-nope" does not exist (request `},
		{"ShareWithSelf", []string{"share", "add", im.ID, fmt.Sprint(owner.ID), "--profile", profile}, fmt.Sprintf("%d: no such account, or your own", owner.ID)},
		{"TooMany", []string{"share", "add", im.ID, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "--profile", profile}, "RetCode 302"},
		{"BadAccountArg", []string{"share", "add", im.ID, "bob", "--profile", profile}, `account "bob" is not an account id`},
		{"NoAccounts", []string{"share", "add", im.ID, "--profile", profile}, "name at least one ACCOUNT"},
		{"NoImage", []string{"share", "ls", "--profile", profile}, "name the IMAGE"},
		{"UnknownRegion", []string{"images", "ls", "--region", "mars-1", "--profile", profile}, "RetCode 231"},
		{"WrongKey", []string{"images", "ls", "--profile", writeFileMode(t, "p.yaml",
			fmt.Sprintf("url: %s\npublic_key: %s\nprivate_key: wrong\n", srv.URL, key.PublicKey), 0o600)}, "RetCode 171: Signature VerifyAC Error"},
		{"UnknownKey", []string{"images", "ls", "--profile", writeFileMode(t, "p.yaml",
			fmt.Sprintf("url: %s\npublic_key: nobody\nprivate_key: x\n", srv.URL), 0o600)}, "RetCode 172: User Not Exists"},
		{"ProfileMissingKey", []string{"images", "ls", "--profile", writeFileMode(t, "p.yaml", "url: "+srv.URL+"\n", 0o600)},
			"no public_key, private_key: write them to"},
		{"ProfileUnknownField", []string{"images", "ls", "--profile", writeFileMode(t, "p.yaml", "endpoint: x\n", 0o600)}, "field endpoint not found"},
		{"ProfileAbsent", []string{"images", "ls", "--profile", "/nonexistent/profile.yaml"}, "no such file"},
		{"NoProfileAtAll", []string{"images", "ls"}, "no url, public_key, private_key: write them to "},
		{"BadURL", []string{"images", "ls", "--profile", profile, "--url", "127.0.0.1:1"}, "want http://HOST:PORT"},
		{"Unreachable", []string{"images", "ls", "--profile", profile, "--url", "http://127.0.0.1:1"}, "cannot reach the server at http://127.0.0.1:1"},
		{"NoSubcommand", []string{"share"}, "share: no subcommand given"},
		{"UnknownSubcommand", []string{"images", "rm"}, `images: unknown subcommand "rm"`},
		{"BadLimit", []string{"community", "ls", "--limit", "500", "--profile", profile}, "--limit must be 1-100"},
		{"PublishTwoImages", []string{"publish", "a", "b", "--profile", profile}, "name exactly one IMAGE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := cli(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (stdout %q), want one containing %q", err, out, tc.want)
			}
		})
	}

	t.Run("NotImageshare", func(t *testing.T) {
		notFound := httptest.NewServer(http.NotFoundHandler())
		defer notFound.Close()
		_, _, err := cli(t, "images", "ls", "--profile", profile, "--url", notFound.URL)
		if err == nil || !strings.Contains(err.Error(), "answered HTTP 404; is it an imageshare server?") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ReadableProfileWarns", func(t *testing.T) {
		open := writeFileMode(t, "open.yaml", fmt.Sprintf("url: %s\npublic_key: %s\nprivate_key: %s\n", srv.URL, key.PublicKey, key.PrivateKey), 0o644)
		_, errOut, err := cli(t, "images", "ls", "--profile", open)
		if err != nil || !strings.Contains(errOut, "readable by others; chmod 600") {
			t.Fatalf("err %v, stderr %q", err, errOut)
		}
	})
}

func TestCLI_ProfilePrecedence(t *testing.T) {
	isolateEnv(t)
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	srv.Image(t, &imageshare.Image{ID: "compshareImage-in-bj", OwnerID: owner.ID, Region: "bj"})
	// The default profile path, pointing at a dead port; the env points
	// at the server; --region beats the profile's cn-wlcb.
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "imageshare")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profile.yaml"), []byte(fmt.Sprintf(
		"url: http://127.0.0.1:1\npublic_key: %s\nprivate_key: %s\nregion: cn-wlcb\n", key.PublicKey, key.PrivateKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "images", "ls"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("the default profile was not read: %v", err)
	}
	t.Setenv("IMAGESHARE_URL", srv.URL)
	var images []imageOut
	cliJSON(t, &images, "images", "ls")
	if len(images) != 0 {
		t.Fatalf("cn-wlcb listing: %+v", images)
	}
	cliJSON(t, &images, "images", "ls", "--region", "bj")
	if len(images) != 1 || images[0].ID != "compshareImage-in-bj" {
		t.Fatalf("--region bj listing: %+v", images)
	}
	t.Setenv("IMAGESHARE_REGION", "bj")
	cliJSON(t, &images, "images", "ls")
	if len(images) != 1 {
		t.Fatalf("IMAGESHARE_REGION=bj listing: %+v", images)
	}
	// --url beats the env.
	if _, _, err := cli(t, "images", "ls", "--url", "http://127.0.0.1:1"); err == nil {
		t.Fatal("--url did not override IMAGESHARE_URL")
	}
}

func TestCLI_PublishAndCommunity(t *testing.T) {
	isolateEnv(t)
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "maker@example.com")
	_, readerKey := srv.Account(t, "")
	im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Name: "sd-xl", Description: "diffusion"})
	profile := writeProfile(t, srv.URL, key)

	var pub publishOut
	cliJSON(t, &pub, "publish", im.ID, "--profile", profile, "--version", "v1", "--price", "1.5", "--tag", "sd", "--tag", "gpu", "--name", "Stable Diffusion XL")
	if pub.Image != im.ID || pub.VersionID == "" || pub.GroupID == "" || pub.VersionName != "v1" || pub.Status != "Reviewing" {
		t.Fatalf("publish --json: %+v", pub)
	}
	// Not in the catalog until approved.
	readerProfile := writeProfile(t, srv.URL, readerKey)
	var versions []imageOut
	cliJSON(t, &versions, "community", "ls", "--profile", readerProfile)
	if len(versions) != 0 {
		t.Fatalf("catalog before review: %+v", versions)
	}
	if _, err := srv.Svc.ReviewVersion(context.Background(), pub.VersionID, imageshare.ReviewDecision{Approve: true}); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "community", "ls", "--profile", readerProfile)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, out, "ID", "NAME", "VERSION", "AUTHOR", "PRICE", "TAGS", "PUBLISHED")
	if len(rows) != 1 || rows[0][0] != pub.VersionID || !strings.Contains(out, "Stable Diffusion XL") || !strings.Contains(out, "1.50") || !strings.Contains(out, "sd,gpu") {
		t.Fatalf("community ls:\n%s", out)
	}
	cliJSON(t, &versions, "community", "ls", "--profile", readerProfile, "--user", fmt.Sprint(owner.OrganizationID), "--search", "diffusion xl")
	if len(versions) != 1 || versions[0].ID != pub.VersionID || versions[0].VersionName != "v1" || versions[0].Price != 1.5 ||
		!slices.Equal(versions[0].Tags, []string{"sd", "gpu"}) || versions[0].PublishedAt == "" || versions[0].GroupID != pub.GroupID {
		t.Fatalf("community ls --user --search: %+v", versions)
	}
	for _, args := range [][]string{
		{"--user", fmt.Sprint(owner.OrganizationID + 1000)},
		{"--search", "llama"},
		{"--tag", "audio"},
	} {
		cliJSON(t, &versions, append([]string{"community", "ls", "--profile", readerProfile}, args...)...)
		if len(versions) != 0 {
			t.Errorf("community ls %v: %+v, want nothing", args, versions)
		}
	}
	// The same version name again in the group: the server's refusal.
	_, _, err = cli(t, "publish", im.ID, "--profile", profile, "--version", "v1")
	if err == nil || !strings.Contains(err.Error(), "PublishCompShareImage refused: RetCode 331") {
		t.Fatalf("duplicate version: %v", err)
	}
}

func TestCompletion(t *testing.T) {
	out, _, err := cli(t, "completion", "bash")
	if err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed; the script is checked where it is")
	}
	// complete runs the script's function for a command line as bash
	// would when TAB is pressed after the last word.
	complete := func(words ...string) []string {
		t.Helper()
		script := out + fmt.Sprintf("\nCOMP_WORDS=(%s); COMP_CWORD=%d; _imageshare; printf '%%s\\n' \"${COMPREPLY[@]}\"\n",
			quoteWords(words), len(words)-1)
		res, err := exec.Command(bash, "--norc", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, res)
		}
		return strings.Fields(string(res))
	}
	cases := []struct {
		words []string
		want  []string
	}{
		{[]string{"imageshare", "sh"}, []string{"share"}},
		{[]string{"imageshare", "share", ""}, []string{"ls", "add", "rm"}},
		{[]string{"imageshare", "images", "ls", "--sh"}, []string{"--shared-with-me"}},
		{[]string{"imageshare", "community", "ls", "--se"}, []string{"--search"}},
		{[]string{"imageshare", "serve", "--log-f"}, []string{"--log-format"}},
		{[]string{"imageshare", "publish", "img", "--ta"}, []string{"--tag"}},
		{[]string{"imageshare", "completion", ""}, []string{"bash", "zsh"}},
	}
	for _, tc := range cases {
		if got := complete(tc.words...); !slices.Equal(got, tc.want) {
			t.Errorf("completing %q: %q, want %q", tc.words, got, tc.want)
		}
	}
	zsh, _, err := cli(t, "completion", "zsh")
	if err != nil || !strings.HasPrefix(zsh, "#compdef imageshare\n") || !strings.Contains(zsh, "complete -o default -F _imageshare imageshare") {
		t.Fatalf("completion zsh: %v\n%s", err, zsh)
	}
	if _, _, err := cli(t, "completion", "fish"); err == nil {
		t.Fatal("completion fish accepted")
	}
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}
