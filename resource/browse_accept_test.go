package resource

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWantsHTML(t *testing.T) {
	chromium := "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	firefox := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, tc := range []struct {
		method, target, accept string
		want                   bool
	}{
		{"GET", "/api/v1/x/", chromium, true},
		{"GET", "/api/v1/x/", firefox, true},
		{"HEAD", "/api/v1/x/", chromium, true},
		{"GET", "/api/v1/x/", "text/html", true},
		{"GET", "/api/v1/x/?format=json", chromium, false},
		{"GET", "/api/v1/x/?format=csv", chromium, false},
		{"POST", "/api/v1/x/", chromium, false},
		{"GET", "/api/v1/x/", "*/*", false},
		{"GET", "/api/v1/x/", "", false},
		{"GET", "/api/v1/x/", "application/json", false},
		{"GET", "/api/v1/x/", "application/json, text/html", false},
		{"GET", "/api/v1/x/", "text/html;q=0.5, application/json", false},
		{"GET", "/api/v1/x/", "text/html, application/json;q=0.5", true},
		{"GET", "/api/v1/x/", "text/html;q=0", false},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := wantsHTML(r); got != tc.want {
			t.Errorf("%s %s Accept %q: wantsHTML %v, want %v", tc.method, tc.target, tc.accept, got, tc.want)
		}
	}
}

func TestLinkedJSON(t *testing.T) {
	a := &API{prefix: "/api/v1/"}
	r := httptest.NewRequest("GET", "http://example.com/api/v1/", nil)
	raw := []byte(`{"a":"/api/v1/x/1/","b":"http://example.com/api/v1/x/?page=2&page_size=2","c":"http://evil.example/api/v1/x/","d":"/other/","e":"<script>"}`)
	got := string(a.linkedJSON(raw, r))
	for _, want := range []string{
		`&#34;a&#34;: "<a href="/api/v1/x/1/">/api/v1/x/1/</a>"`,
		`&#34;b&#34;: "<a href="http://example.com/api/v1/x/?page=2&amp;page_size=2">http://example.com/api/v1/x/?page=2&amp;page_size=2</a>"`,
		`&#34;c&#34;: &#34;http://evil.example/api/v1/x/&#34;`,
		`&#34;d&#34;: &#34;/other/&#34;`,
		`&#34;e&#34;: &#34;&lt;script&gt;&#34;`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("linkedJSON lacks %s:\n%s", want, got)
		}
	}
}
