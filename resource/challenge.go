package resource

import (
	"net/http"
	"strings"
)

// SetChallenges sets the WWW-Authenticate header of h to the challenges of challenge, one header
// line per challenge. RFC 9110 §11.6.1 allows a comma-separated list on one line, but browsers read
// only the first challenge of a line (Chromium offers no Basic login when Basic comes second), so an
// Authentication whose Challenge names several schemes ("ApiKey realm="x", Basic realm="x"") is
// answered with one line for each.
func SetChallenges(h http.Header, challenge string) {
	h.Del("WWW-Authenticate")
	for _, c := range SplitChallenges(challenge) {
		h.Add("WWW-Authenticate", c)
	}
}

// SplitChallenges splits a comma-separated list of challenges (RFC 9110 §11.6.1) into its
// challenges: a comma outside a quoted string starts a new challenge when what follows it is a scheme
// (a token followed by a space or the end), and is a separator of the current challenge's parameters
// otherwise. Empty elements are dropped.
func SplitChallenges(s string) []string {
	var parts []string
	start, quoted, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(out) > 0 && !startsChallenge(p) {
			out[len(out)-1] += ", " + p
			continue
		}
		out = append(out, p)
	}
	return out
}

// startsChallenge reports whether an element of the list begins with a scheme: a token followed by a
// space or nothing, rather than a parameter (token "=" ...).
func startsChallenge(p string) bool {
	end := strings.IndexAny(p, " \t=")
	return end < 0 || p[end] != '='
}
