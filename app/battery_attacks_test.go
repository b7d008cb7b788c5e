package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// bigQueries sends 10,000 parameters and 1 MB query strings to every resource's list.
func (b *battery) bigQueries() {
	many := func(pair func(i int) string) string {
		parts := make([]string, 10000)
		for i := range parts {
			parts[i] = pair(i)
		}
		return strings.Join(parts, "&")
	}
	ids := func(n int) string {
		var sb strings.Builder
		for i := 0; sb.Len() < n; i++ {
			if i > 0 {
				sb.WriteString("%2C")
			}
			sb.WriteString(strconv.Itoa(i))
		}
		return sb.String()
	}
	mb := 1 << 20
	queries := []string{
		many(func(i int) string { return fmt.Sprintf("p%d=1", i) }),
		many(func(i int) string { return fmt.Sprintf("id__in=%d", i) }),
		many(func(int) string { return "order_by=id" }),
		many(func(int) string { return "order_by=-id" }),
		many(func(int) string { return "id=1" }),
		many(func(i int) string { return fmt.Sprintf("id__gte=%d", i) }),
		many(func(int) string { return "fields=id" }),
		many(func(int) string { return "limit=1" }),
		"name=" + strings.Repeat("a", mb),
		"name__icontains=" + strings.Repeat("%25", mb/3),
		"id__in=" + ids(mb),
		strings.Repeat("a", mb) + "=1",
		"order_by=" + strings.Repeat("id%2C", mb/5),
		"fields=" + strings.Repeat("id%2C", mb/5),
		"_=" + strings.Repeat("x", mb),
		"limit=" + strings.Repeat("9", mb),
		"id__range=" + ids(mb),
		strings.Repeat("id__", mb/4) + "=1",
		strings.Repeat("&", mb),
		strings.Repeat("a=1;", mb/4),
	}
	for _, name := range b.names {
		s := b.schemas[name]
		for _, q := range queries {
			if s.required != "" {
				q = s.required + "&" + q
			}
			b.send(req{Method: http.MethodGet, Path: "/api/v1/" + name + "/", Query: q})
		}
		if s.key != "" {
			b.send(req{Method: http.MethodGet, Path: "/api/v1/" + name + "/set/" + strings.Repeat(s.key+";", 20000) + "/", Query: s.required})
		}
		b.send(req{Method: http.MethodGet, Path: "/api/v1/" + name + "/set/" + strings.Repeat(";", 100000) + "/", Query: s.required})
	}
}

// digitsIn rewrites the ASCII digits of a key with the digits of another script (zero given).
func digitsIn(key string, zero rune) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, key)
}

// paths sends non-canonical paths: doubled slashes, encoded slashes and dots, trailing dots, signed,
// zero-padded and non-ASCII digits, very long keys. A trick on a key never reaches the object.
func (b *battery) paths() {
	for _, name := range b.names {
		s := b.schemas[name]
		list := "/api/v1/" + name + "/"
		for _, p := range []string{
			"/api/v1//" + name + "/", "//api/v1/" + name + "/", list + "/", list + "%2F", "/api/v1/%2e%2e/" + name + "/",
			list + "%2e%2e/", list + "./", list + "../" + name + "/", list + ".", "/api/v1/" + name + "%2F", "/API/V1/" + name + "/",
			"/api/v1/" + strings.ToUpper(name) + "/", "/api/v1/" + name + "%00/", "/api/v1/" + name + "%FF/", list + "schema/%2e%2e/",
			list + "set/", list + "set", list + "schema//", "/api/v1/" + name + "/./schema/", list + "%2Fschema/",
		} {
			for _, m := range []string{http.MethodGet, http.MethodDelete} {
				b.send(req{Method: m, Path: p, Query: s.required})
			}
		}
		key := s.key
		if key == "" {
			key = "1"
		}
		for _, k := range []string{
			key + ".", "+" + key, "%2B" + key, "0" + key, "00" + key, "%20" + key, key + "%20", "-" + key, key + ".0", key + "e0",
			digitsIn(key, '\u0660'), digitsIn(key, '\uff10'), digitsIn(key, '\u0966'), key + "%2F", "%2F" + key, "%2e%2e%2F" + key,
			"..%2F" + key, "%2e", "%2e%2e", key + "%00", key + "%FF", strings.Repeat("9", 10000), strings.Repeat("1", 100000),
			"0x" + key, key + "_", "%EF%BC%91", key + "%0A", key + ";", key + "%3B" + key,
		} {
			for _, m := range []string{http.MethodGet, http.MethodDelete, http.MethodPut, http.MethodPatch} {
				var body []byte
				if m == http.MethodPut || m == http.MethodPatch {
					body = []byte(`{}`)
				}
				code, _ := b.send(req{Method: m, Path: list + k + "/", Query: s.required, Body: body})
				if code < 400 {
					b.t.Errorf("%s %s%s/: %d; a key that is not canonical must not reach an object", m, list, clipped(k), code)
				}
			}
			// In set/, ';' separates keys: "1;" names the key 1.
			code, body := b.send(req{Method: http.MethodGet, Path: list + "set/" + k + "/", Query: s.required})
			if objects, _ := body["objects"].([]any); code == http.StatusOK && len(objects) > 0 && !strings.Contains(k, ";") {
				b.t.Errorf("GET %sset/%s/: %d objects; a key that is not canonical must not reach an object", list, clipped(k), len(objects))
			}
			for _, rel := range sortedKeys(s.Relations) {
				if s.Relations[rel].RelatedType == "to_many" {
					if code, _ := b.send(req{Method: http.MethodGet, Path: list + k + "/" + rel + "/"}); code < 400 {
						b.t.Errorf("GET %s%s/%s/: %d; a key that is not canonical must not reach an object", list, clipped(k), rel, code)
					}
				}
			}
		}
	}
	for _, p := range []string{"/healthz/", "/healthz%00", "//healthz", "/readyz/..", "/%2e%2e/readyz", "/api/v1", "/api", "/", "/api/v1/%2e%2e/%2e%2e/etc/passwd", "/api/v1/openapi.json/", "/api/v1/openapi.json%00"} {
		b.send(req{Method: http.MethodGet, Path: p})
	}
}

// acceptValues are odd Accept headers.
var acceptValues = []string{
	"*/*;q=0", "application/json;q=0", "application/json;q=0, text/csv", "text/csv;q=0.5, application/json;q=0.9",
	"application/json;q=abc", "application/json;q=2", "application/json;q=-1", "application/json;q=0.0001", ";;;,,,", "garbage",
	"text/html", "application/xml", "*/*", "*", "application/*", "text/*;q=1, */*;q=0", "application/json;charset=ebcdic",
	"application/json\x00", "\xff\xfe", strings.Repeat("application/json;q=0.5,", 5000), "text/csv", "TEXT/CSV", "text/csv;q=0",
	"application/json, text/csv;q=1.0", "application/json;q=0.5;q=0.9", "application/json; q = 0.7", "q=1", "/", "a/b/c",
}

// authorizations are malformed Authorization headers; each must be a 401.
func (b *battery) authorizations() [][]string {
	adminKey := b.f.keys[superName]
	return [][]string{
		{b.admin, b.admin}, {b.admin, basic(superName, "pw-"+superName)}, {b.admin, "ApiKey plain:nothing"}, {"ApiKey plain:nothing", b.admin},
		{b.admin, ""}, {"", b.admin},
		{"ApiKey"}, {"ApiKey "}, {"ApiKey :"}, {"ApiKey admin"}, {"ApiKey admin:"}, {"ApiKey :" + adminKey}, {"ApiKey admin:" + adminKey + "x"},
		{"ApiKey admin:" + adminKey + "\x00"}, {"ApiKey admin\x00:" + adminKey}, {"ApiKey \xff:\xfe"}, {"ApiKey admin:" + strings.Repeat("k", 100000)},
		{"ApiKey ' OR '1'='1:' OR '1'='1"}, {"ApiKey admin' --:x"}, {"apikey admin:x"}, {"ApiKey  admin:" + adminKey + "x"},
		{"Basic"}, {"Basic "}, {"Basic !!!"}, {"Basic " + "YWRtaW4="}, {"Basic " + strings.Repeat("QUFB", 30000)}, {basic(superName, "wrong")},
		{basic("' OR 1=1 --", "x")}, {basic("admin\x00", "pw-admin")}, {"Bearer x"}, {"Digest username=\"admin\""}, {"\x00"}, {"\xff"},
		{strings.Repeat("A", 100000)}, {"ApiKey admin:" + adminKey + ", Basic x"},
	}
}

// headers sends odd Accept, Authorization and other headers.
func (b *battery) headers() {
	for ri, name := range b.names {
		s := b.schemas[name]
		list := "/api/v1/" + name + "/"
		targets := []string{list, list + "schema/"}
		if s.key != "" {
			targets = append(targets, list+s.key+"/", list+"set/"+s.key+"/")
		}
		for _, target := range targets {
			for _, accept := range acceptValues {
				b.send(req{Method: http.MethodGet, Path: target, Query: s.required, Header: http.Header{"Authorization": {b.admin}, "Accept": {accept}}})
			}
			for _, f := range []string{"csv", "json", "xml", "CSV", "jsonp"} {
				b.send(req{Method: http.MethodGet, Path: target, Query: join(s.required, "format="+f), Header: http.Header{"Authorization": {b.admin}, "Accept": {"*/*;q=0"}}})
			}
		}
		// Credentials are checked the same way for every resource: each header on every list, and on a
		// detail DELETE and a POST of every third resource.
		writes := ri%3 == 0
		for _, a := range b.authorizations() {
			for _, r := range []req{
				{Method: http.MethodGet, Path: list, Query: s.required},
				{Method: http.MethodDelete, Path: list + "999999/"},
				{Method: http.MethodPost, Path: list, Body: []byte(`{}`)},
			} {
				if r.Method != http.MethodGet && !writes {
					continue
				}
				r.Header = http.Header{"Authorization": a, "Content-Type": {"application/json"}}
				// Tastypie's order: the method is checked before the credentials; failed logins are throttled.
				if code, _ := b.send(r); code != http.StatusUnauthorized && code != http.StatusMethodNotAllowed && code != http.StatusTooManyRequests {
					b.t.Errorf("%s %s with Authorization %q: %d, want 401", r.Method, r.Path, clipped(strings.Join(a, " | ")), code)
				}
			}
		}
		for _, h := range []http.Header{
			{"X-Request-Id": {"\x00\xff"}}, {"X-Request-Id": {strings.Repeat("r", 100000)}}, {"X-Request-Id": {"' OR 1=1 --"}},
			{"Content-Type": {"application/json\x00"}}, {"Content-Type": {"multipart/form-data; boundary="}}, {"Content-Type": {"\xff"}},
			{"X-Http-Method-Override": {"DELETE\x00"}}, {"X-Http-Method-Override": {"BREW"}}, {"X-Http-Method-Override": {"' OR 1=1"}},
			{"X-Http-Method-Override": {"PUT", "DELETE"}}, {"X-Forwarded-For": {"\x00, ' OR 1=1"}}, {"Accept-Encoding": {"\xff;q=\x00"}},
			{"If-None-Match": {"\x00"}}, {"Range": {"bytes=0-,\xff"}}, {"Cookie": {"sessionid=' OR 1=1; csrftoken=\x00"}},
			{"Content-Length": {"-1"}}, {"Transfer-Encoding": {"chunked, gzip"}}, {"Origin": {"\xff"}},
		} {
			h.Set("Authorization", b.admin)
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				var body []byte
				if m == http.MethodPost {
					body = []byte(`{"a\u0000": "\u0000"}`)
				}
				b.send(req{Method: m, Path: list, Query: s.required, Header: h, Body: body})
			}
		}
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "&" + b
}
