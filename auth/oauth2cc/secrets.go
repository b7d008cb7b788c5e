package oauth2cc

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tastygo/tastygo/field"
)

const (
	// SecretPrefix starts every client secret, and TokenPrefix every access token, so that either is
	// recognisable in a leak scan (and neither can be mistaken for the other, or for an API key).
	SecretPrefix = "tgcs_"
	TokenPrefix  = "tgat_"

	// idBytes is the size of a client_id and of a token's public id: 96 random bits, 24 hex digits, so
	// that ids never collide.
	idBytes = 12
	// secretBytes is the size of the secret part of a client secret or a token: 256 random bits.
	secretBytes = 32
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth2cc: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// randomSecret returns prefix and secretBytes random bytes in lower-case base32.
func randomSecret(prefix string) (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth2cc: %w", err)
	}
	return prefix + lowerBase32.EncodeToString(b), nil
}

// newToken returns a new access token, "tgat_<id>_<secret>", and its public id.
func newToken() (token, id string, err error) {
	if id, err = randomHex(idBytes); err != nil {
		return "", "", err
	}
	secret, err := randomSecret("")
	if err != nil {
		return "", "", err
	}
	return TokenPrefix + id + "_" + secret, id, nil
}

// tokenID returns the public id of a token made by newToken, or false when token does not have that
// form.
func tokenID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(rest) != 2*idBytes+1+lowerBase32.EncodedLen(secretBytes) || rest[2*idBytes] != '_' {
		return "", false
	}
	id := rest[:2*idBytes]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", false
	}
	return id, true
}

// bindTime is t as the backend stores a timestamp.
func (s *Server) bindTime(t time.Time) any { return s.d.Bind(field.DateTime, t) }
