package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// want says what the answer to a call holds, so that each transport can read it into an answer.
type want int

const (
	wantObject  want = iota // one object (detail GET, POST, PUT, PATCH)
	wantList                // {"meta": ..., "objects": [...]} (list GET, sub-list GET)
	wantObjects             // {"objects": [...]} (array POST, bulk PATCH), or a set/ body
	wantCount               // {"deleted": n} or {"updated": n} (filtered DELETE and PATCH)
	wantNothing             // no body (DELETE of one object)
)

// call is one request to the API, whichever the transport: a method, a path under the API prefix
// ("indicator/", "indicator/7/", "location/3/children/", "indicator/set/1;2/"), a query and a body (a
// Go value, nil for none).
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	want   want
	// next is a page's `next` link as the API wrote it (an absolute path); it replaces path and query.
	next string
}

// idempotent reports whether sending the call twice has the effect of sending it once.
func (c *call) idempotent() bool {
	switch c.method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// pageMeta is a list's meta.
type pageMeta struct {
	Limit      int64   `json:"limit"`
	Offset     int64   `json:"offset"`
	TotalCount *int64  `json:"total_count"`
	Next       *string `json:"next"`
	Previous   *string `json:"previous"`
}

// answer is what a call returned, as JSON objects still to be decoded into the caller's type.
type answer struct {
	object   json.RawMessage
	objects  []json.RawMessage
	meta     *pageMeta
	notFound []string
	count    int64 // wantCount; -1 when the server answered without a body
}

// transport sends calls: over HTTP (httpTransport) or into an API in-process (directTransport). A
// transport returns an *Error for every error the API answered; any other error is the transport's
// own (a connection refused, a context ended).
type transport interface {
	do(ctx context.Context, c *call) (*answer, error)
	// uri returns the resource_uri of an object: the API prefix's path, the resource, the key.
	uri(resource, key string) string
}

// reachedServer is implemented by transport errors that know whether the request can have reached the
// server; an error that does not implement it is assumed to have reached it.
type reachedServer interface {
	reached() bool
}
