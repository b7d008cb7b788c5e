package resource

import (
	"net/http"
	"slices"
	"testing"
)

func TestSplitChallenges(t *testing.T) {
	tests := []struct {
		give string
		want []string
	}{
		{`Basic realm="api"`, []string{`Basic realm="api"`}},
		{`ApiKey realm="tastygo", Bearer realm="tastygo", Basic realm="tastygo"`,
			[]string{`ApiKey realm="tastygo"`, `Bearer realm="tastygo"`, `Basic realm="tastygo"`}},
		{`Digest realm="a, b", qop="auth", nonce="x", Basic realm="c"`,
			[]string{`Digest realm="a, b", qop="auth", nonce="x"`, `Basic realm="c"`}},
		{`Bearer, Basic realm="q\", Fake x"`, []string{`Bearer`, `Basic realm="q\", Fake x"`}},
		{`Negotiate token68==, Basic`, []string{`Negotiate token68==`, `Basic`}},
		{` , `, nil},
	}
	for _, tt := range tests {
		if got := SplitChallenges(tt.give); !slices.Equal(got, tt.want) {
			t.Errorf("SplitChallenges(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
	h := http.Header{"Www-Authenticate": {"old"}}
	SetChallenges(h, `ApiKey realm="t", Basic realm="t"`)
	if got := h.Values("WWW-Authenticate"); !slices.Equal(got, []string{`ApiKey realm="t"`, `Basic realm="t"`}) {
		t.Errorf("SetChallenges: %q", got)
	}
}
