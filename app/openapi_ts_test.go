package main

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tastygo/tastygo/dialect"
)

// TestOpenAPITypeScript is a frontend developer's check of the document: openapi-typescript (npm,
// pinned in internal/tstest/package-lock.json) generates types from the dashboard's openapi.json and
// tsc --strict compiles internal/tstest/check.ts against them, without casts: id and resource_uri
// non-optional, an expanded relation typed as the related object, error details typed. It needs Node
// and npm; without them it is skipped, except under CI=true, where .ci/run installs them.
func TestOpenAPITypeScript(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and npm is missing (.ci/run installs nodejs and npm)")
		}
		t.Skip("npm is not installed: TestOpenAPITypeScript needs Node and npm")
	}
	dir, err := filepath.Abs("../internal/tstest")
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "tsc")); err != nil {
		run("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
	}
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		if d.Name() != dialect.SQLite {
			t.Skip("the document is the same on both backends (TestOpenAPI checks it on each)")
		}
		req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
		req.Header.Set("Authorization", f.as(superName))
		rec := httptest.NewRecorder()
		f.api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("openapi.json: %d", rec.Code)
		}
		if err := os.WriteFile(filepath.Join(dir, "openapi.json"), rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		run(filepath.Join(dir, "node_modules", ".bin", "openapi-typescript"), "openapi.json", "-o", "api.d.ts")
		run(filepath.Join(dir, "node_modules", ".bin", "tsc"), "-p", ".")
	})
}
