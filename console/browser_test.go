package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/imageshare/imageshare"
)

// EnvScreenshots names a directory the browser test writes a PNG of each
// page to (docs/console.md is illustrated with them):
//
//	IMAGESHARE_CONSOLE_SCREENSHOTS=docs/console go test ./console/ -run Browser
const EnvScreenshots = "IMAGESHARE_CONSOLE_SCREENSHOTS"

// chromium returns the path of a headless-capable Chromium, or skips the
// test saying how to get one: the only reason these tests do not run.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH: the console's browser tests need one (apt-get install -y chromium; .ci/run installs it)")
	return ""
}

// browser is one headless Chromium for a test, bounded by timeout.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // screenshots, "" for none
}

func newBrowser(t *testing.T, timeout time.Duration) *browser {
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start the browser on the test's context, so that a step's shorter
	// context (run) does not own it.
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("browser: start %s: %v", path, err)
	}
	b := &browser{t: t, ctx: bctx, dir: os.Getenv(EnvScreenshots)}
	if b.dir != "" {
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// run runs actions, failing the test with what step failed.
func (b *browser) run(step string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second) // one step; the test has its own bound
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var url string
		_ = chromedp.Run(b.ctx, chromedp.Location(&url))
		b.t.Fatalf("browser: %s (at %s): %v", step, url, err)
	}
}

// shot saves a PNG of the whole page when screenshots are asked for, and
// logs the page's first contentful paint as the browser measured it.
func (b *browser) shot(name string) {
	b.t.Helper()
	// The navigation's own timing, as the browser measured it (read over
	// the DevTools protocol: the console's CSP runs no page script). Paint
	// entries are not always recorded yet when a wait returns, so the
	// figure is the DOM being ready, which precedes first paint by a frame.
	var timing []float64
	b.run("read timing", chromedp.Evaluate(
		`(e => [e.responseStart - e.requestStart, e.responseEnd - e.startTime, e.domContentLoadedEventEnd - e.startTime])(performance.getEntriesByType('navigation')[0])`, &timing))
	if len(timing) == 3 {
		b.t.Logf("page %-17s server %5.1f ms, last byte %5.1f ms, DOM ready %5.1f ms", name, timing[0], timing[1], timing[2])
	}
	if b.dir == "" {
		return
	}
	var png []byte
	b.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// xp is an XPath selector option.
var xp = chromedp.BySearch

func (b *browser) signIn(base, pub, secret string) {
	b.t.Helper()
	b.run("sign in as "+pub,
		chromedp.Navigate(base+"/console/login"),
		chromedp.WaitVisible(`#public_key`, chromedp.ByID),
		chromedp.SendKeys(`#public_key`, pub, chromedp.ByID),
		chromedp.SendKeys(`#private_key`, secret, chromedp.ByID),
		chromedp.Submit(`#private_key`, chromedp.ByID),
		chromedp.WaitVisible(`//h1[.='My images']`, xp),
	)
}

func (b *browser) signOut() {
	b.run("sign out", chromedp.Click(`form.signout button`, chromedp.ByQuery), chromedp.WaitVisible(`#public_key`, chromedp.ByID))
}

// The whole story in a real browser: alice shares an image with bob and
// publishes a version of it; bob sees the image under Shared with me; the
// operator approves the version; bob finds it in the catalog by a fuzzy
// word in another case. A wrong secret is refused. Every wait is for an
// element, never a sleep; the whole test is bounded by its context.
func TestBrowserShareReviewCatalog(t *testing.T) {
	s := startDemo(t)
	// An image made from alice's demo instance, for the Instances page.
	s.Image(t, &imageshare.Image{ID: "compshareImage-alice-fromhost", OwnerID: 10001, Name: "alice-from-uhost",
		SourceInstance: "uhost-demo-alice-1", SizeMB: 30720, Tags: []string{"pytorch"}})
	// An instance alice launched from her own image, linked on that page.
	aliceKey, err := s.Svc.Authenticate(context.Background(), "demo-alice-public")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.LaunchInstances(context.Background(), imageshare.CallerOf(aliceKey), imageshare.LaunchRequest{Region: "cn-wlcb",
		ImageID: "compshareImage-alice-comfy", Name: "comfy-worker", InstanceType: "G", CPU: 16, MemoryMB: 65536, GPUType: "4090", GPUCount: 1}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 3*time.Minute)

	b.run("a wrong secret",
		chromedp.Navigate(s.URL+"/console/login"),
		chromedp.WaitVisible(`#public_key`, chromedp.ByID),
		chromedp.SendKeys(`#public_key`, "demo-alice-public", chromedp.ByID),
		chromedp.SendKeys(`#private_key`, "not-the-secret", chromedp.ByID),
		chromedp.Submit(`#private_key`, chromedp.ByID),
		chromedp.WaitVisible(`//p[@role='alert' and contains(., 'Sign-in refused')]`, xp),
	)
	b.shot("login")

	b.signIn(s.URL, "demo-alice-public", "demo-alice-private")
	b.shot("my-images")
	b.run("share alice-comfyui with bob",
		chromedp.Navigate(s.URL+"/console/images/compshareImage-alice-comfy"),
		chromedp.WaitVisible(`#add`, chromedp.ByID),
		chromedp.SendKeys(`#add`, "10002, 99999", chromedp.ByID),
		chromedp.Click(`#share-add`, chromedp.ByID),
		chromedp.WaitVisible(`//p[@role='status' and contains(., 'Shared with 10002') and contains(., 'Invalid accounts') and contains(., '99999')]`, xp),
		chromedp.WaitVisible(`//td[.='bob@example.com']`, xp),
	)
	b.run("publish a version",
		chromedp.SendKeys(`#pub-name`, "console-Zephyrine-kit", chromedp.ByID),
		chromedp.SendKeys(`#pub-version`, "v-console", chromedp.ByID),
		chromedp.SendKeys(`#pub-tags`, "browser", chromedp.ByID),
		chromedp.SendKeys(`#pub-readme`, "Published from the console.", chromedp.ByID),
		chromedp.Click(`#publish`, chromedp.ByID),
		chromedp.WaitVisible(`//p[@role='status' and contains(., 'submitted for review')]`, xp),
		chromedp.WaitVisible(`//td[.='v-console']/following-sibling::td/span[.='Reviewing']`, xp),
	)
	b.shot("image")
	b.run("instances", chromedp.Navigate(s.URL+"/console/instances"), chromedp.WaitVisible(`//code[.='uhost-demo-alice-1']`, xp),
		chromedp.WaitVisible(`//td[.='comfy-worker']/following-sibling::td/a[@href='/console/images/compshareImage-alice-comfy']`, xp))
	b.shot("instances")
	b.signOut()

	b.signIn(s.URL, "demo-bob-public", "demo-bob-private")
	b.run("bob sees the share",
		chromedp.Navigate(s.URL+"/console/shared"),
		chromedp.WaitVisible(`//tr[td='alice-comfyui' and td[contains(., 'alice@example.com')]]`, xp),
	)
	b.shot("shared-with-me")

	b.run("the operator approves",
		chromedp.Navigate(s.URL+"/console/admin/login"),
		chromedp.WaitVisible(`#token`, chromedp.ByID),
		chromedp.SendKeys(`#token`, adminToken, chromedp.ByID),
		chromedp.Submit(`#token`, chromedp.ByID),
		chromedp.WaitVisible(`//h1[.='Review queue']`, xp),
		chromedp.WaitVisible(`//tr[contains(., 'console-Zephyrine-kit')]//button[@value='approve']`, xp),
	)
	b.shot("operator-reviews")
	b.run("approve",
		chromedp.Click(`//tr[contains(., 'console-Zephyrine-kit')]//button[@value='approve']`, xp),
		chromedp.WaitVisible(`//p[@role='status' and contains(., 'Approved')]`, xp),
	)
	for _, p := range []struct{ path, want, name string }{
		{"accounts/10001", `//code[.='demo-alice-public']`, "operator-keys"},
		{"shares", `//h1[.='Recent shares']`, "operator-shares"},
		{"state", `//td[.='Versions in review']`, "operator-state"},
	} {
		b.run(p.name, chromedp.Navigate(s.URL+"/console/admin/"+p.path), chromedp.WaitVisible(p.want, xp))
		b.shot(p.name)
	}

	b.run("bob finds it by a fuzzy word",
		chromedp.Navigate(s.URL+"/console/catalog"),
		chromedp.WaitVisible(`#q`, chromedp.ByID),
		chromedp.SendKeys(`#q`, "zEPHYR", chromedp.ByID),
		chromedp.Click(`#search`, chromedp.ByID),
		// The result page, not the page searched from (which lists the
		// version too): its search box carries the word as an attribute.
		chromedp.WaitVisible(`//input[@id='q' and @value='zEPHYR']`, xp),
		chromedp.WaitVisible(`//li[@class='group']//a[.='console-Zephyrine-kit']`, xp),
	)
	b.shot("catalog-search")
	b.run("the catalog", chromedp.Navigate(s.URL+"/console/catalog"), chromedp.WaitVisible(`//li[@class='group']`, xp))
	b.shot("catalog")
	b.run("the version page",
		chromedp.Navigate(s.URL+"/console/catalog?q=zephyr"),
		chromedp.Click(`//li[@class='group']//h2/a`, xp),
		chromedp.WaitVisible(`//pre[contains(., 'Published from the console.')]`, xp),
	)
	b.shot("version")
	b.run("the publisher's page",
		chromedp.Click(`//dd/a[contains(@href, '/console/publishers/')]`, xp),
		chromedp.WaitVisible(`//h1[.="Publisher's images"]`, xp),
		chromedp.WaitVisible(`//a[.='console-Zephyrine-kit']`, xp),
	)
	b.shot("publisher")
}

// In a real browser, a community version whose name and readme carry
// script runs none of it: the page has no script element, its title is
// the escaped name, and the injected handlers never fired.
func TestBrowserScriptInReadmeInert(t *testing.T) {
	s := startDemo(t)
	const evil = `<script>document.title='pwned';window.pwned=1</script><img src=x onerror="window.pwned=2">`
	s.Image(t, &imageshare.Image{ID: "compshareImage-xss-browser", OwnerID: 10003, Type: imageshare.ImageCommunity,
		Name: "inert " + evil, Readme: evil, Author: "carol", Visibility: 1, GroupID: "grp-xss-b", VersionName: "v1",
		PublishedAt: s.Svc.Now()})
	b := newBrowser(t, time.Minute)
	b.signIn(s.URL, "demo-bob-public", "demo-bob-private")
	var scripts, handlers int
	var title string
	var pwned bool
	for _, page := range []string{"/console/catalog?q=inert", "/console/catalog/compshareImage-xss-browser?region=cn-wlcb"} {
		b.run("open "+page,
			chromedp.Navigate(s.URL+page),
			chromedp.WaitVisible(`//h1`, xp),
			chromedp.Evaluate(`document.querySelectorAll('script').length`, &scripts),
			chromedp.Evaluate(`document.querySelectorAll('[onerror]').length`, &handlers),
			chromedp.Evaluate(`'pwned' in window`, &pwned),
			chromedp.Title(&title),
		)
		if scripts != 0 || handlers != 0 || pwned || title == "pwned" {
			t.Fatalf("%s: %d script elements, %d onerror handlers, window.pwned set %v, title %q", page, scripts, handlers, pwned, title)
		}
	}
	var text string
	b.run("the readme as text", chromedp.Text(`pre.readme`, &text, chromedp.ByQuery))
	if text != evil {
		t.Fatalf("readme shown as %q, want the text %q", text, evil)
	}
}
