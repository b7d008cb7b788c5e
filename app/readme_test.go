package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/internal/testdb"
)

// readmeGetRe finds the README's example requests: the curl lines of its shell blocks that GET a URL
// of the API on serve's default address (a line with -F or -X sends something else).
var readmeGetRe = regexp.MustCompile(`(?m)^curl [^\n]*?'?localhost:8000(/api/v1/[^' \n]*)'?`)

// readmeExamples returns the paths (with their queries) of the README's example GET requests.
func readmeExamples(t *testing.T) []string {
	t.Helper()
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range readmeGetRe.FindAllStringSubmatch(string(text), -1) {
		if strings.Contains(m[0], " -F ") || strings.Contains(m[0], " -X ") || strings.Contains(m[0], " -d ") {
			continue
		}
		paths = append(paths, m[1])
	}
	return paths
}

// TestREADMEExamples runs the README's example requests against the dashboard as its first commands
// make it: `app serve` on a fresh database (which it migrates and seeds, printing the demo admin's
// key), on each backend. Every one must answer 200 with something to show: a list with objects, a
// schema with fields, an OpenAPI document with paths. A newcomer who pastes them sees data.
func TestREADMEExamples(t *testing.T) {
	paths := readmeExamples(t)
	if len(paths) < 10 {
		t.Fatalf("found %d example requests in README.md, expected at least 10 (has the format of its curl lines changed?): %q", len(paths), paths)
	}
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			srv := startServe(t, ctx, "--addr", "127.0.0.1:0", "--db", testdb.Address(t, backend))
			var key string
			for deadline := time.Now().Add(time.Minute); key == ""; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("serve printed no key:\n%s", srv.stdout.String())
				}
				key = keyRe.FindString(srv.stdout.String())
			}
			root := strings.TrimSuffix(srv.url, "/api/v1/")
			for _, p := range paths {
				req, _ := http.NewRequest("GET", root+p, nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %d, want 200: %s", p, resp.StatusCode, body)
					continue
				}
				var doc map[string]json.RawMessage
				if err := json.Unmarshal(body, &doc); err != nil {
					t.Errorf("GET %s: not a JSON object: %v", p, err)
					continue
				}
				want := "objects"
				switch {
				case strings.HasSuffix(p, "/schema/"):
					want = "fields"
				case strings.HasSuffix(p, "/openapi.json"):
					want = "paths"
				}
				if n := members(doc[want]); n == 0 {
					t.Errorf("GET %s: %q is empty (%s): the example shows nothing on the demo data", p, want, doc[want])
				}
			}
			cancel()
			<-srv.done
		})
	}
}

// members is the number of elements of a JSON array or object, 0 for anything else.
func members(raw json.RawMessage) int {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return len(list)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		return len(obj)
	}
	return 0
}
