package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/tastygo/tastygo/client/gen"
)

const doc = `{"openapi": "3.1.0", "components": {"schemas": {"thing": {"type": "object", "properties": {"id": {"type": "integer", "readOnly": true}}}}}}`

func TestRun(t *testing.T) {
	want, err := gen.Generate([]byte(doc), "things")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "openapi.json")
	os.WriteFile(in, []byte(doc), 0o644)
	var out bytes.Buffer
	if err := run([]string{"-in", in, "-pkg", "things"}, &out); err != nil || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("-in: %v\n%s", err, out.String())
	}
	// -url sends the API key and writes -out.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "ApiKey ana:k" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code": "NOT_AUTHENTICATED"}`)
			return
		}
		io.WriteString(w, doc)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "things.go")
	if err := run([]string{"-url", srv.URL + "/api/v1/openapi.json", "-apikey", "ana:k", "-pkg", "things", "-out", file}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, want) {
		t.Fatalf("-out:\n%s", got)
	}
	if err := run([]string{"-url", srv.URL + "/api/v1/openapi.json", "-pkg", "things"}, io.Discard); err == nil {
		t.Fatal("a 401 was not an error")
	}
	for _, args := range [][]string{{"-in", in}, {"-pkg", "x"}, {"-in", in, "-url", srv.URL, "-pkg", "x"}} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
