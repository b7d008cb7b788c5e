package resource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// Conditional requests (RFC 9110 §8.8.3, §13), which Tastypie never had: every successful JSON answer
// to a GET or HEAD carries a strong ETag, the hash of the exact bytes of its body; a request whose
// If-None-Match names it (or is "*") is answered 304 Not Modified with the same ETag, Cache-Control and
// Vary and no body. The answer varies with Accept (JSON or CSV) and with the credentials (a user sees
// what they may read), which Vary says.

// varyHeader is the Vary of a resource's answers.
const varyHeader = "Accept, Authorization"

// etagOf is the strong entity tag of a body: 128 bits of its SHA-256, in hex (which spells no word a
// scan for leaked driver text would find, as base64 can).
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
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

// ifMatch runs a PUT, PATCH or DELETE of one object whose request has an If-Match header (RFC 9110
// §13.1.1): in one transaction, the object's row is locked, its current ETag computed as a detail GET
// without parameters answers it, and the write runs only if the header names that ETag (strong
// comparison) or is "*" and the object exists; otherwise the answer is 412 PRECONDITION_FAILED. Two
// writers with the same If-Match cannot both win: the second waits for the first's lock, then sees its
// change.
func ifMatch(ctx context.Context, b *Bundle, write func(ctx context.Context) (*Response, error)) (*Response, error) {
	header := b.Request.Header.Values("If-Match")
	bind := b.Resource.Binding
	if bind.Atomic == nil || bind.LockObject == nil {
		return nil, apierror.New(apierror.PreconditionFailed, "%q cannot check If-Match.", b.Resource.Name)
	}
	var resp *Response
	err := bind.Atomic(ctx, func(ctx context.Context) error {
		if err := bind.LockObject(ctx, b.Key); err != nil {
			return err
		}
		current, err := currentETag(ctx, b)
		if err != nil {
			return err
		}
		if !matches(header, current) {
			e := apierror.New(apierror.PreconditionFailed, "The %s with key %q is not the version If-Match names.", b.Resource.Name, clip(b.Key))
			if current != "" {
				e = e.With("etag", current)
			}
			return e
		}
		resp, err = write(ctx)
		return err
	})
	return resp, err
}

// currentETag is the ETag a detail GET without parameters would answer for b's object, "" when there
// is none.
func currentETag(ctx context.Context, b *Bundle) (string, error) {
	g := *b
	g.Method, g.Query, g.Data, g.Items, g.Partial = http.MethodGet, url.Values{}, nil, nil, false
	obj, err := b.Resource.Steps.ObjGet(ctx, &g)
	if apierror.CodeOf(err) == apierror.ObjectDoesNotExist {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := dehydrate(ctx, &g, obj); err != nil {
		return "", err
	}
	if err := g.Resource.Steps.AlterDetailData(ctx, &g, obj); err != nil {
		return "", err
	}
	buf, err := appendJSONValue(nil, obj)
	if err != nil {
		return "", err
	}
	return etagOf(buf), nil
}

// matches is If-Match's strong comparison: "*" matches any current object, a W/ tag never matches.
func matches(header []string, current string) bool {
	for _, h := range header {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if current != "" && (tag == "*" || tag == current) {
				return true
			}
		}
	}
	return false
}
