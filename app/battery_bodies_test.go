package main

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// deep returns JSON nested n levels: open and close repeated around a core.
func deep(open, core, close string, n int) string {
	return strings.Repeat(open, n) + core + strings.Repeat(close, n)
}

// wholeBodies are JSON bodies no decoder expects.
var wholeBodies = []string{
	``, `{}`, `[]`, `null`, `1`, `"x"`, `{"a":`, `{} x`, `{}{}`, "\xef\xbb\xbf{}", "{\"a\": \"\xff\xfe\"}", "{\"a\x00\": 1}",
	"{\"name\": \"a\x00b\"}", `{"name": "\u0000"}`, `{"name": "\ud800"}`, `{"id": 1, "id": 2}`, `{"objects": null}`,
	`{"objects": [{"id": "' OR 1=1 --"}], "deleted_objects": ["/api/v1/x/1/", "' OR 1=1", "\u0000"]}`,
	`{"deleted_objects": "` + strings.Repeat("a", 10000) + `"}`, `[` + strings.Repeat(`{},`, 50000) + `{}]`,
	deep(`[`, `1`, `]`, 100000), deep(`{"a":`, `1`, `}`, 100000), `{"name": ` + deep(`[`, ``, `]`, 10000) + `}`,
	`{"layout": ` + deep(`{"a":`, `1`, `}`, 5000) + `}`, `1e400`, `-0`, `[1e400]`, strings.Repeat(" ", 100000),
	`{"` + strings.Repeat("k", 100000) + `": 1}`, `{"resource_uri": "/api/v1/%2e%2e/indicator/1/"}`,
}

// fieldValues are JSON values put in every field of a real object.
var fieldValues = func() []string {
	out := []string{
		`null`, `true`, `[]`, `{}`, `[1,2]`, `{"a": 1}`, `""`, `"\u0000"`, `"a\u0000b"`, `"\ud800"`, `"\udfff\ud800"`,
		`1e400`, `-1e400`, `1e-400`, `-0`, `-0.0`, `18446744073709551616`, `-9223372036854775809`, `9223372036854775807`,
		`1.7976931348623157e309`, strings.Repeat("9", 400), `0.` + strings.Repeat("0", 400) + `1`, `1E+2147483648`,
		`"1e400"`, `"18446744073709551616"`, `"-0"`, `"NaN"`, `"Infinity"`, `"0000-01-01"`, `"0000-00-00"`, `"-0001-01-01"`,
		`"10000-01-01"`, `"+10000-01-01"`, `"9999-12-31"`, `"0001-01-01"`, `"0000-01-01T00:00:00Z"`, `"10000-01-01T00:00:00Z"`,
		`"9999-12-31T23:59:59-01:00"`, `"0001-01-01T00:00:00+01:00"`, `"2020-02-30"`, `"2020-01-01T24:00:00Z"`,
		`"` + strings.Repeat("x", 10001) + `"`, deep(`[`, `1`, `]`, 10000), deep(`{"a":`, `1`, `}`, 10000),
		`"/api/v1/location/1/"`, `"/api/v1/location/%2e%2e/1/"`, `{"resource_uri": "/api/v1/indicator/1/"}`,
	}
	for _, p := range sqlPayloads {
		raw, _ := json.Marshal(p)
		out = append(out, string(raw))
	}
	return out
}()

// bodies sends odd JSON bodies to every write, and every odd value in every field of a real object, by
// POST to the list and PATCH to the object.
func (b *battery) bodies() {
	for _, name := range b.names {
		s := b.schemas[name]
		list := "/api/v1/" + name + "/"
		var writes []req
		if contains(s.ListMethods, "post") {
			writes = append(writes, req{Method: http.MethodPost, Path: list})
		}
		if contains(s.ListMethods, "patch") {
			writes = append(writes, req{Method: http.MethodPatch, Path: list})
		}
		if s.key != "" && contains(s.DetailMethods, "put") {
			writes = append(writes, req{Method: http.MethodPut, Path: list + s.key + "/"})
		}
		if s.key != "" && contains(s.DetailMethods, "patch") {
			writes = append(writes, req{Method: http.MethodPatch, Path: list + s.key + "/"})
		}
		if len(writes) == 0 {
			writes = append(writes, req{Method: http.MethodPost, Path: list})
		}
		for _, w := range writes {
			for _, body := range wholeBodies {
				w.Body = []byte(body)
				b.send(w)
			}
		}
		if s.object == nil {
			continue
		}
		base := map[string]json.RawMessage{}
		for k, v := range s.object {
			if k != "resource_uri" && k != "id" {
				base[k], _ = json.Marshal(v)
			}
		}
		first := len(writes) - 1 // the object's PATCH or PUT when there is one
		fields := sortedKeys(s.Fields)
		sort.Strings(fields)
		for fi, field := range fields {
			if field == "resource_uri" {
				continue
			}
			// Every value by the first write (PATCH of the object when there is one), a few by the others.
			some := map[string]bool{}
			for _, v := range pick(fieldValues, fi*6, 6) {
				some[v] = true
			}
			for _, v := range fieldValues {
				obj := make(map[string]json.RawMessage, len(base)+1)
				for k, e := range base {
					obj[k] = e
				}
				obj[field] = json.RawMessage(v)
				body := marshalRaw(obj)
				for wi, w := range writes {
					if wi != first && !some[v] {
						continue
					}
					if w.Method == http.MethodPatch && w.Path == list {
						w.Body = []byte(`{"objects": [` + string(body) + `]}`)
					} else {
						w.Body = body
					}
					b.send(w)
				}
			}
		}
	}
}

// marshalRaw writes an object of raw JSON values, keys sorted, without validating them (json.Marshal
// would refuse the values no decoder should accept).
func marshalRaw(obj map[string]json.RawMessage) []byte {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range sortedKeys(obj) {
		if i > 0 {
			sb.WriteString(", ")
		}
		key, _ := json.Marshal(k)
		sb.Write(key)
		sb.WriteString(": ")
		sb.Write(obj[k])
	}
	sb.WriteByte('}')
	return []byte(sb.String())
}

// methods sends every method, known or not, to every route: the listing, the OpenAPI document, the
// health checks, and each resource's list, detail, set/, schema and sub-lists, as the superuser and
// without credentials; and POST with every X-HTTP-Method-Override.
func (b *battery) methods() {
	routes := []string{"/api/v1/", "/api/v1/openapi.json", "/healthz", "/readyz", "/nothing", "/api/v1/nothing/", "/api/v1/nothing/1/"}
	type route struct{ path, query string }
	var all []route
	for _, r := range routes {
		all = append(all, route{r, ""})
	}
	for _, name := range b.names {
		s := b.schemas[name]
		list := "/api/v1/" + name + "/"
		rs := []string{list, strings.TrimSuffix(list, "/"), list + "999999/", list + "set/999999;1/", list + "schema/", list + "schema"}
		for _, rel := range sortedKeys(s.Relations) {
			if s.Relations[rel].RelatedType == "to_many" {
				rs = append(rs, list+"999999/"+rel+"/", list+"999999/"+rel)
				if s.key != "" {
					rs = append(rs, list+s.key+"/"+rel+"/")
				}
			}
		}
		if s.key != "" {
			// The object's own detail last: DELETE removes it.
			rs = append(rs, list+"set/"+s.key+"/", list+s.key, list+s.key+"/")
		}
		for _, r := range rs {
			all = append(all, route{r, s.required})
		}
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect, "BREW", "get", "PROPFIND",
		http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete}
	anonymous := http.Header{"Content-Type": {"application/json"}}
	admin := http.Header{"Authorization": {b.admin}, "Content-Type": {"application/json"}}
	for _, r := range all {
		for _, m := range methods {
			var body []byte
			if m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
				body = []byte(`{}`)
			}
			code, _ := b.send(req{Method: m, Path: r.path, Query: r.query, Header: anonymous, Body: body})
			if code < 400 && strings.HasPrefix(r.path, "/api/v1/") && r.path != "/api/v1/" && r.path != "/api/v1/openapi.json" {
				b.t.Errorf("%s %s without credentials: %d", m, r.path, code)
			}
		}
		for _, o := range []string{"GET", "HEAD", "PUT", "PATCH", "OPTIONS", "TRACE", "BREW", "get", "' OR 1=1", "\x00"} {
			h := admin.Clone()
			h.Set("X-Http-Method-Override", o)
			b.send(req{Method: http.MethodPost, Path: r.path, Query: r.query, Header: h, Body: []byte(`{}`)})
		}
		for _, m := range methods {
			var body []byte
			if m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
				body = []byte(`{}`)
			}
			b.send(req{Method: m, Path: r.path, Query: r.query, Header: admin, Body: body})
		}
	}
}
