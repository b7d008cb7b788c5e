package main

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// sqlPayloads are SQL injection strings, sent as every parameter name and value, key and JSON string.
var sqlPayloads = []string{
	`'`, `''`, `"`, `\`, `\'`, `;`, `--`, `/*`, `%`, `_`, `*`,
	`' OR '1'='1`, `' OR 1=1 --`, `1 OR 1=1`, `1' OR '1'='1' --`, `" OR ""="`,
	`1; DROP TABLE datapoint; --`, `'; DELETE FROM app_user; --`,
	`' UNION SELECT username, password_hash FROM app_user --`,
	`1) UNION SELECT name, sql FROM sqlite_master --`,
	`1 AND (SELECT pg_sleep(5)) IS NULL`, `' || (SELECT version()) || '`,
	`$1`, `?`, `:name`, `%s`, `"id" DESC; --`, `id; SELECT 1`, `id,(SELECT 1)`, `CAST('a' AS INTEGER)`,
}

// oddValues are values no parser expects: NUL bytes, invalid UTF-8, huge and odd numbers, impossible
// dates, long strings.
var oddValues = []string{
	"\x00", "a\x00b", "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "", " ", "1e400", "-1e400", "-0", "1e-400",
	"18446744073709551616", "9223372036854775808", "-9223372036854775809", strings.Repeat("9", 400),
	"NaN", "Infinity", "0x10", "1_000", "\u0661\u0662", "\uff13\uff13", "0000-00-00", "0000-01-01",
	"10000-01-01", "-0001-01-01", "+12345-01-01", "2020-02-30", "2020-01-01T25:00:00", "true", "null",
	strings.Repeat("a", 20000), "%00", "%%", "\U0001F600", "1,2,", ",", "1,\x00", "a,b,c",
}

// echoed are the battery's payloads as answers may quote them back; they are taken out of an answer's
// text before looking for leaks.
var echoed = func() []string {
	var out []string
	for _, p := range sqlPayloads {
		// A list parameter's message names the element that failed: a payload's pieces between commas.
		for _, c := range append(strings.Split(p, ","), p) {
			for _, c := range []string{c, strings.TrimSpace(c)} {
				if len(c) < 2 {
					continue // a lone quote or percent sign would hide too much
				}
				q := strconv.Quote(c)
				out = append(out, c, q[1:len(q)-1], url.QueryEscape(c), url.PathEscape(c), strings.ReplaceAll(c, `"`, `""`))
			}
		}
	}
	// Longest first, so that no shorter payload cuts a longer one in two.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}()

// allValues is every payload, SQL first.
var allValues = append(append([]string{}, sqlPayloads...), oddValues...)

// pick returns n of values, starting at i, round robin: each field gets a different few.
func pick(values []string, i, n int) []string {
	out := make([]string, 0, n)
	for k := 0; k < n && k < len(values); k++ {
		out = append(out, values[(i+k)%len(values)])
	}
	return out
}

// params sends SQL and odd text as every parameter name and value of every resource's list (filters
// with every lookup, across relations, the reserved parameters, the resource's own parameters), set/
// keys, detail keys and sub-lists.
func (b *battery) params() {
	for ri, name := range b.names {
		s := b.schemas[name]
		list := "/api/v1/" + name + "/"
		get := func(path, key, value string) {
			q := url.QueryEscape(key) + "=" + url.QueryEscape(value)
			if s.required != "" {
				q = s.required + "&" + q
			}
			b.send(req{Method: http.MethodGet, Path: path, Query: q})
		}
		// Parameter names.
		for i, p := range allValues {
			get(list, p, "1")
			if (i+ri)%2 == 0 {
				get(list, "id__"+p, "1")
			}
			if (i+ri)%4 == 0 {
				get(list, p+"__exact", "1")
				get(list, "id__in__"+p, "1")
			}
		}
		for rel := range s.Relations {
			for _, p := range pick(allValues, ri, 4) {
				get(list, rel+"__"+p, "1")
				get(list, rel+"__id__"+p, "1")
			}
		}
		// Filter values, with every lookup.
		fields := sortedKeys(s.Filtering)
		for fi, field := range fields {
			lookups, ok := s.Filtering[field].([]any)
			if !ok {
				// A relation: its target's fields through it.
				for _, p := range pick(allValues, fi, 6) {
					get(list, field+"__id", p)
					get(list, field+"__name__icontains", p)
				}
				continue
			}
			for _, p := range pick(sqlPayloads, fi*10, 12) {
				get(list, field, p)
			}
			for _, p := range pick(oddValues, fi*5, 6) {
				get(list, field, p)
			}
			for li, l := range lookups {
				for _, p := range pick(allValues, fi+li*7, 2) {
					get(list, field+"__"+l.(string), p)
				}
			}
		}
		// Reserved parameters and the resource's own.
		reserved := []string{"order_by", "limit", "offset", "format", "fields", "depth", "query_fields", "_"}
		for p := range s.Params {
			reserved = append(reserved, p)
		}
		sort.Strings(reserved)
		for pi, r := range reserved {
			values := append(pick(sqlPayloads, pi*12, 12), pick(oddValues, pi*6, 6)...)
			for _, v := range values {
				get(list, r, v)
			}
		}
		for _, p := range pick(sqlPayloads, ri, 6) {
			get(list, "order_by", "-"+p)
			get(list, "order_by", "id__"+p)
		}
		// Keys: set/, detail, sub-lists.
		for i, p := range allValues {
			if len(p) > 1000 {
				continue
			}
			esc := url.PathEscape(p)
			b.send(req{Method: http.MethodGet, Path: list + "set/" + esc + ";1/", Query: s.required})
			b.send(req{Method: http.MethodGet, Path: list + esc + "/", Query: s.required})
			if i%4 == 0 {
				b.send(req{Method: http.MethodDelete, Path: list + esc + "/"})
			}
		}
		for _, rel := range sortedKeys(s.Relations) {
			if s.Relations[rel].RelatedType != "to_many" {
				continue
			}
			for _, p := range pick(allValues, ri, 8) {
				b.send(req{Method: http.MethodGet, Path: list + url.PathEscape(p) + "/" + rel + "/"})
				if s.key != "" {
					b.send(req{Method: http.MethodGet, Path: list + s.key + "/" + rel + "/", Query: url.QueryEscape(p) + "=1"})
					b.send(req{Method: http.MethodGet, Path: list + s.key + "/" + rel + "/", Query: "order_by=" + url.QueryEscape(p)})
					b.send(req{Method: http.MethodGet, Path: list + s.key + "/" + rel + "/", Query: "id=" + url.QueryEscape(p)})
				}
			}
		}
		// Deletes by filter whose values are SQL: never more than the filter names.
		if contains(s.ListMethods, "delete") {
			for _, p := range sqlPayloads {
				b.send(req{Method: http.MethodDelete, Path: list, Query: "id=" + url.QueryEscape(p)})
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
