package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// One headless Chromium per test binary, started by the first browser test and closed by TestMain
// (closeBrowser); each test opens its own tab in a browser context of its own (its own cookies).
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserClose  func()
	browserErr    error
	screenshotDir = filepath.Join("..", "docs", "screenshots")
)

// chromiumPath finds Debian's chromium (the package .ci/run installs).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newTab returns a tab of the shared browser in a fresh browser context. Without chromium the test
// is skipped, unless CI is set: there it must run.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed, and CI is set: browser tests must run (.ci/run installs Debian's chromium)")
		}
		t.Skip("chromium is not installed (apt-get install chromium); browser tests skipped")
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tastygo-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path), chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900),
			chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-default-browser-check", true), chromedp.Flag("disable-dev-shm-usage", true),
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(allocCtx)
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("start chromium: %w", err)
		}
		browserCtx = ctx
		browserClose = func() { cancelBrowser(); cancelAlloc(); os.RemoveAll(dir) }
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	tab, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tab, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return tab
}

// closeBrowser stops the shared browser, if a test started it.
func closeBrowser() {
	if browserClose != nil {
		browserClose()
	}
}

// waitLocation waits until the tab's URL satisfies ok and its page has loaded, and returns the URL.
func waitLocation(t *testing.T, ctx context.Context, what string, ok func(string) bool) string {
	t.Helper()
	var loc string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		l, err := chromedp.Run(ctx, chromedp.Location())
		ready, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
		if err == nil && err2 == nil {
			loc = l
			if ok(loc) && ready == "complete" {
				return loc
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the browser is at %s", what, loc)
	return ""
}

// waitText waits until the text of the first element sel (a CSS selector) matches satisfies ok, and
// returns it.
func waitText(t *testing.T, ctx context.Context, sel, what string, ok func(string) bool) string {
	t.Helper()
	var text string
	expr := fmt.Sprintf(`(function () { var e = document.querySelector(%q); return e ? e.innerText : "(no such element)"; })()`, sel)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr)); err == nil {
			text = v
			if ok(text) {
				return text
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %s shows %q", what, sel, text)
	return ""
}

// screenshot writes a PNG of the tab's viewport to the README's folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// inTab runs actions in the tab, failing the test with what on an error.
func inTab(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// showing is a check that a text holds sub.
func showing(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}
