package resource

import (
	"net/http/httptest"
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
