package resource

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Conditional requests (RFC 9110 §8.8.3, §13), which Tastypie never had: every successful JSON answer
// to a GET or HEAD carries a strong ETag, the hash of the exact bytes of its body; a request whose
// If-None-Match names it (or is "*") is answered 304 Not Modified with the same ETag, Cache-Control and
// Vary and no body. The answer varies with Accept (JSON or CSV) and with the credentials (a user sees
// what they may read), which Vary says.

// varyHeader is the Vary of a resource's answers.
const varyHeader = "Accept, Authorization"

// etagOf is the strong entity tag of a body: 144 bits of its SHA-256, base64url.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// noneMatch reports whether an If-None-Match header names etag, or is "*": the weak comparison RFC
// 9110 §13.1.2 asks for (a W/ prefix is ignored).
func noneMatch(header []string, etag string) bool {
	for _, h := range header {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// writeJSONAnswer writes a Dispatch answer's JSON body: with an ETag when it is a successful read, as
// a 304 without the body when the request's If-None-Match names that ETag.
func (a *API) writeJSONAnswer(w http.ResponseWriter, r *http.Request, status int, body any) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	buf, err := appendJSONValue(make([]byte, 0, 4096), body)
	if err != nil || !read || status != http.StatusOK {
		a.noteAnswer(w, r, status, "")
		a.writeJSON(w, r, status, body)
		return
	}
	etag := etagOf(buf)
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", varyHeader)
	if noneMatch(r.Header.Values("If-None-Match"), etag) {
		// A 304 carries the headers of the 200 it stands for (RFC 9110 §15.4.5): Cache-Control too.
		a.noteAnswer(w, r, http.StatusOK, "")
		if info := RequestInfoFrom(r.Context()); info != nil {
			info.Status = http.StatusNotModified
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	a.noteAnswer(w, r, status, "")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf)
	}
}
