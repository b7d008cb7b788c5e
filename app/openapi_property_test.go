package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/openapitest"
)

// propertyRequestsPerOperation is how many requests TestOpenAPIProperty sends to each operation of
// the document on each backend (about 100 operations: some 3,000 requests).
const propertyRequestsPerOperation = 30

// TestOpenAPIProperty is the document's property test: requests generated from the dashboard's
// OpenAPI document alone — every path and method, with valid and invalid path keys, parameters,
// bodies, credentials and conditional headers — are sent to the API, and every answer must be
// declared by its operation (its status listed, 500 aside) and valid against it (media type and
// body, by libopenapi-validator's JSON Schema 2020-12). The seed is fixed (OPENAPI_PROPERTY_SEED
// chooses another) so that a failure can be replayed.
func TestOpenAPIProperty(t *testing.T) {
	seed := uint64(13)
	if s := os.Getenv("OPENAPI_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("OPENAPI_PROPERTY_SEED: %v", err)
		}
		seed = n
	}
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		start := time.Now()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
		req.Header.Set("Authorization", f.as(superName))
		rec := httptest.NewRecorder()
		f.api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("openapi.json: %d %s", rec.Code, rec.Body)
		}
		v := openapitest.Parse(t, rec.Body.Bytes())
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		g := &requestGen{rng: rand.New(rand.NewPCG(seed, 7)), doc: doc, f: f, keys: map[string][]string{}}
		g.sampleKeys(t)

		type op struct{ path, method string }
		var ops []op
		for p, item := range doc["paths"].(map[string]any) {
			for m := range item.(map[string]any) {
				if m != "parameters" {
					ops = append(ops, op{p, m})
				}
			}
		}
		sort.Slice(ops, func(i, j int) bool {
			return ops[i].path < ops[j].path || ops[i].path == ops[j].path && ops[i].method < ops[j].method
		})
		statuses := map[int]int{}
		var problems []string
		sent := 0
		for _, o := range ops {
			item := doc["paths"].(map[string]any)[o.path].(map[string]any)
			operation := item[o.method].(map[string]any)
			for i := range propertyRequestsPerOperation {
				r := g.request(o.path, strings.ToUpper(o.method), item, operation, i)
				rec := httptest.NewRecorder()
				f.api.ServeHTTP(rec, r.Clone(r.Context()))
				sent++
				statuses[rec.Code]++
				res := rec.Result()
				what := fmt.Sprintf("%s %s (%s) → %d", r.Method, r.URL, g.last, rec.Code)
				if _, ok := operation["responses"].(map[string]any)[strconv.Itoa(rec.Code)]; !ok && rec.Code != http.StatusInternalServerError {
					problems = append(problems, what+": the status is not declared: "+clip(rec.Body.String()))
				}
				if rec.Code == http.StatusInternalServerError {
					problems = append(problems, what+": "+clip(rec.Body.String()))
				}
				r.Body = nil
				for _, p := range v.ResponseProblems(r, res) {
					problems = append(problems, what+": "+p+": "+clip(rec.Body.String()))
				}
			}
		}
		t.Logf("%s: %d requests over %d operations in %v; statuses %v", d.Name(), sent, len(ops), time.Since(start).Round(time.Millisecond), statuses)
		if len(problems) > 0 {
			for _, p := range problems[:min(len(problems), 40)] {
				t.Error(p)
			}
			t.Errorf("%d of %d answers do not match the document (seed %d)", len(problems), sent, seed)
		}
	})
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// requestGen generates requests from the document.
type requestGen struct {
	rng  *rand.Rand
	doc  map[string]any
	f    *authFixture
	keys map[string][]string // resource → some of its keys
	last string              // what the last request varied, for messages
}

// sampleKeys reads some keys of every resource, as a client would, to aim requests at objects that
// exist.
func (g *requestGen) sampleKeys(t *testing.T) {
	for p := range g.doc["paths"].(map[string]any) {
		rest, ok := strings.CutPrefix(p, "/api/v1/")
		if !ok || strings.Count(rest, "/") != 1 {
			continue
		}
		name := strings.TrimSuffix(rest, "/")
		req := httptest.NewRequest(http.MethodGet, p+"?limit=20", nil)
		req.Header.Set("Authorization", g.f.as(superName))
		rec := httptest.NewRecorder()
		g.f.api.ServeHTTP(rec, req)
		var body struct {
			Objects []map[string]any `json:"objects"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		for _, o := range body.Objects {
			if id, ok := o["id"].(float64); ok {
				g.keys[name] = append(g.keys[name], strconv.FormatInt(int64(id), 10))
			}
		}
		if len(g.keys[name]) == 0 {
			g.keys[name] = []string{"1", "2"}
		}
	}
}

// chance is true with probability p.
func (g *requestGen) chance(p float64) bool { return g.rng.Float64() < p }

func oneOf[T any](g *requestGen, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// resourceOf is the resource a path belongs to: its first segment after the prefix.
func resourceOf(path string) string {
	rest := strings.TrimPrefix(path, "/api/v1/")
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// request builds the i-th request of an operation: even ones valid as far as the document says,
// odd ones with one thing wrong (a key, a parameter, the body, the credentials or a header).
func (g *requestGen) request(path, method string, item, op map[string]any, i int) *http.Request {
	valid := i%2 == 0
	g.last = "valid"
	res := resourceOf(path)
	wrong := ""
	if !valid {
		wrong = oneOf(g, []string{"key", "param", "body", "auth", "header", "unknown"})
		g.last = "wrong " + wrong
	}
	// Path parameters.
	u := path
	if strings.Contains(u, "{keys}") {
		keys := g.keys[res]
		k := oneOf(g, keys) + ";" + oneOf(g, keys)
		if wrong == "key" || g.chance(0.2) {
			k += ";999999999"
		}
		if wrong == "key" && g.chance(0.5) {
			k = "x;y"
		}
		u = strings.Replace(u, "{keys}", k, 1)
	}
	if strings.Contains(u, "{key}") {
		k := oneOf(g, g.keys[res])
		if wrong == "key" {
			k = oneOf(g, []string{"999999999", "abc", "-1"})
		}
		u = strings.Replace(u, "{key}", k, 1)
	}
	// Query parameters.
	q := url.Values{}
	var params []any
	if ps, ok := item["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	if ps, ok := op["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	var queryParams []map[string]any
	for _, p := range params {
		pm := p.(map[string]any)
		if pm["in"] == "query" {
			queryParams = append(queryParams, pm)
		}
	}
	badParam := -1
	if wrong == "param" && len(queryParams) > 0 {
		badParam = g.rng.IntN(len(queryParams))
	}
	for j, pm := range queryParams {
		name := pm["name"].(string)
		required, _ := pm["required"].(bool)
		if j == badParam {
			if required && g.chance(0.5) {
				continue // missing
			}
			q.Set(name, oneOf(g, []string{"x", "-5", "1,x", "", "9999999999999"}))
			continue
		}
		if !(required || g.chance(0.15)) {
			continue
		}
		q[name] = []string{g.paramValue(res, name, pm["schema"].(map[string]any))}
	}
	if wrong == "unknown" {
		q.Set("nope__bogus", "1")
	}
	target := u
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	// The body.
	var body []byte
	contentType := ""
	if rb, ok := op["requestBody"].(map[string]any); ok {
		schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var v any
		if wrong == "body" {
			v = g.wrongValue(schema)
		} else {
			v = g.value(schema, 0)
		}
		body, _ = json.Marshal(v)
		contentType = "application/json"
		if wrong == "body" && g.chance(0.2) {
			body, contentType = []byte("{not json"), "application/json"
		}
		if wrong == "header" && g.chance(0.5) {
			contentType = "text/plain"
		}
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	switch {
	case wrong == "auth":
		switch g.rng.IntN(3) {
		case 0: // none
		case 1:
			r.Header.Set("Authorization", "ApiKey admin:nope")
		default:
			r.Header.Set("Authorization", g.f.as(plainName))
		}
	case g.chance(0.1):
		r.Header.Set("Authorization", g.f.as(scopedName))
	default:
		r.Header.Set("Authorization", g.f.as(superName))
	}
	if method == http.MethodGet && g.chance(0.1) {
		// A conditional GET: the ETag of the same request, when it has one.
		rec := httptest.NewRecorder()
		g.f.api.ServeHTTP(rec, r.Clone(r.Context()))
		if e := rec.Header().Get("ETag"); e != "" {
			r.Header.Set("If-None-Match", e)
			g.last += ", If-None-Match"
		}
	}
	if wrong == "header" && method != http.MethodGet && method != http.MethodPost {
		r.Header.Set("If-Match", `"not-the-etag"`)
	}
	if wrong == "header" && method == http.MethodGet {
		r.Header.Set("Accept", "text/csv")
	}
	return r
}

// paramValue is a valid value of a query parameter of a resource.
func (g *requestGen) paramValue(res, name string, schema map[string]any) string {
	switch name {
	case "fields":
		props := g.properties(res)
		return oneOf(g, props) + "," + oneOf(g, props)
	case "limit", "page_size":
		return strconv.Itoa(g.rng.IntN(5))
	case "offset":
		return strconv.Itoa(g.rng.IntN(3))
	case "depth":
		return strconv.Itoa(g.rng.IntN(3))
	case "format":
		return oneOf(g, []string{"json", "csv"})
	case "campaign_id":
		return oneOf(g, g.keys["campaign"])
	case "document_id":
		return oneOf(g, g.keys["source_doc"])
	case "location_id":
		return oneOf(g, g.keys["location"])
	}
	if strings.HasSuffix(name, "__in") {
		to := strings.TrimSuffix(strings.TrimSuffix(name, "__in"), "_id")
		if keys, ok := g.keys[to]; ok {
			return oneOf(g, keys) + "," + oneOf(g, keys)
		}
		return "1,2"
	}
	if strings.HasSuffix(name, "__gte") || strings.HasSuffix(name, "__lte") {
		return oneOf(g, []string{"2020-01-01", "2030-01-01"})
	}
	return fmt.Sprint(g.value(schema, 2))
}

// properties are the fields of a resource's objects.
func (g *requestGen) properties(res string) []string {
	s, _ := g.doc["components"].(map[string]any)["schemas"].(map[string]any)[res].(map[string]any)
	props, _ := s["properties"].(map[string]any)
	var out []string
	for k, v := range props {
		if _, isRel := v.(map[string]any)["anyOf"]; !isRel {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"id"}
	}
	return out
}

// resolve follows a $ref.
func (g *requestGen) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s = g.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
}

// value is a value the schema accepts.
func (g *requestGen) value(s map[string]any, depth int) any {
	s = g.resolve(s)
	if alts, ok := s["oneOf"].([]any); ok {
		return g.value(oneOf(g, alts).(map[string]any), depth)
	}
	if alts, ok := s["anyOf"].([]any); ok {
		return g.value(oneOf(g, alts).(map[string]any), depth)
	}
	if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
		return g.value(all[0].(map[string]any), depth)
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return oneOf(g, enum)
	}
	types := schemaTypes(s)
	if slices.Contains(types, "null") && g.chance(0.1) {
		return nil
	}
	switch {
	case slices.Contains(types, "object"):
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req := map[string]bool{}
		for _, r := range asStrings(s["required"]) {
			req[r] = true
		}
		for _, k := range sortedMapKeys(props) {
			if depth > 2 {
				break
			}
			if req[k] || g.chance(0.3) {
				out[k] = g.fieldValue(k, props[k].(map[string]any), depth+1)
			}
		}
		return out
	case slices.Contains(types, "array"):
		items, _ := s["items"].(map[string]any)
		n := 1 + g.rng.IntN(2)
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(items, depth+1)
		}
		return out
	case slices.Contains(types, "integer"):
		lo, hi := 0.0, 20.0
		if m, ok := s["minimum"].(float64); ok {
			lo = m
		}
		if m, ok := s["maximum"].(float64); ok && m < lo+20 {
			hi = m - lo
		}
		return int64(lo) + int64(g.rng.IntN(int(hi)+1))
	case slices.Contains(types, "number"):
		lo, hi := 0.0, 100.0
		if m, ok := s["minimum"].(float64); ok {
			lo = m
		}
		if m, ok := s["maximum"].(float64); ok {
			hi = m
		}
		return lo + g.rng.Float64()*(hi-lo)
	case slices.Contains(types, "boolean"):
		return g.chance(0.5)
	case slices.Contains(types, "string"):
		switch s["format"] {
		case "date":
			return fmt.Sprintf("2024-%02d-%02d", 1+g.rng.IntN(12), 1+g.rng.IntN(28))
		case "date-time":
			return fmt.Sprintf("2024-%02d-%02dT10:00:00Z", 1+g.rng.IntN(12), 1+g.rng.IntN(28))
		}
		return fmt.Sprintf("t%d", g.rng.IntN(100000))
	}
	return nil
}

// fieldValue is a value of a property: a key of the related resource for a foreign key, otherwise
// any value its schema accepts.
func (g *requestGen) fieldValue(name string, s map[string]any, depth int) any {
	desc, _ := s["description"].(string)
	if _, after, ok := strings.Cut(desc, "The key of a "); ok {
		to := strings.TrimSuffix(after, ".")
		if keys := g.keys[to]; len(keys) > 0 && !(slices.Contains(schemaTypes(s), "null") && g.chance(0.1)) {
			n, _ := strconv.ParseInt(oneOf(g, keys), 10, 64)
			return n
		}
	}
	if name == "layout" || name == "chart_json" {
		return map[string]any{"rows": []any{}}
	}
	return g.value(s, depth)
}

// wrongValue is a body the schema refuses: a required field missing, a value of the wrong type, a
// number out of bounds, or not an object at all.
func (g *requestGen) wrongValue(s map[string]any) any {
	v := g.value(s, 0)
	obj, ok := v.(map[string]any)
	if !ok {
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			obj, _ = arr[0].(map[string]any)
		}
	}
	if obj == nil || g.chance(0.1) {
		return oneOf(g, []any{"a string", 42, nil})
	}
	keys := sortedMapKeys(obj)
	switch {
	case len(keys) > 0 && g.chance(0.4):
		delete(obj, oneOf(g, keys))
	case len(keys) > 0 && g.chance(0.5):
		obj[oneOf(g, keys)] = oneOf(g, []any{"not a number", -1e12, 1e12, true, map[string]any{"a": 1}})
	default:
		obj["admin_level"], obj["latitude"] = 9, 200.5
	}
	return v
}

func schemaTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		return asStrings(t)
	}
	return nil
}

func asStrings(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

func sortedMapKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
