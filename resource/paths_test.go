package resource

import "testing"

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/api/v1/", true},
		{"/api/v1/book/1/", true},
		{"/api/v1/book/1", true},
		{"/api/v1/book/set/1;2;3/", true},
		{"/api/v1/tag/a%3Bb/", true},
		{"/api/v1/tag/a%3bb/", true},
		{"/api/v1/tag/%C3%A9t%C3%A9/", true},
		{"/api/v1/tag/a%20b/", true},
		{"/api/v1/tag/a%25/", true},
		{"", false},
		{"api/v1/", false},
		{"//api/v1/", false},
		{"/api/v1//book/", false},
		{"/api/v1/book//", false},
		{"/api/v1/./book/", false},
		{"/api/v1/../book/", false},
		{"/api/v1/book/1/..", false},
		{"/api/v1/book/1/.", false},
		{"/api/v1/book/..%2F1/", false},
		{"/api/v1/book/%2f/", false},
		{"/api/v1/book/%2E%2E/", false},
		{"/api/v1/book/%2e/", false},
		{"/api/v1/book/%31/", false},
		{"/api/v1/b%6Fok/", false},
		{"/api/v1/book/%7E/", false},
		{"/api/v1/book/%5F/", false},
		{"/api/v1/book/%2D1/", false},
		{"/api/v1/book/1%", false},
		{"/api/v1/book/1%2", false},
		{"/api/v1/book/1%zz/", false},
	}
	for _, tc := range tests {
		if got := canonicalPath(tc.path); got != tc.want {
			t.Errorf("canonicalPath(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
