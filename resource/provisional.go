package resource

import (
	"context"
	"errors"
	"net/http"
	"reflect"

	"github.com/tastygo/tastygo/apierror"
)

// Provisional authentication: a read need not wait for its credentials' check.
//
// Checking an API key means reading its row, so that a key revoked anywhere fails at the next request;
// on PostgreSQL that read is a round trip as long as a whole small list request. An Authentication
// that remembers what it last confirmed about a credential can implement ProvisionalAuthenticator:
// for a read (GET, HEAD or OPTIONS of a list, an object, set/, the schema or a relation's list) the
// API then serves the request as the remembered user at once while the credential is checked again,
// now, on another goroutine. Nothing of the answer is written before that check ends: a credential
// that no longer authenticates gets the answer a request without the shortcut would have had (401),
// and when the user it authenticates differs from the remembered one (a changed role or scope), the
// read is served again as that user. Revocation still takes effect at the next request; the check's
// round trip runs beside the read instead of before it. Writes always wait for the check.
//
// A step that changes something while serving a read (an override writing an audit row, a
// processing run) first calls ConfirmAuthentication, as nonmodel does before a run and
// modelresource before it opens a transaction.

// ConfirmFunc checks a credential again, now, and returns the user it authenticates, or the error
// Authenticate would return.
type ConfirmFunc func(ctx context.Context) (*User, error)

// ProvisionalAuthenticator is an Authentication that can answer a read before it has finished
// checking the request's credentials (see ConfirmAuthentication).
type ProvisionalAuthenticator interface {
	Authentication
	// AuthenticateProvisionally is Authenticate for a read. When confirm is nil, the answer is final,
	// as Authenticate's. Otherwise user is who the credentials named when they were last confirmed,
	// and confirm, called once on another goroutine, checks them again.
	AuthenticateProvisionally(ctx context.Context, r *http.Request) (user *User, confirm ConfirmFunc, err error)
}

// pendingAuth is a confirmation under way for the request whose RequestInfo holds it.
type pendingAuth struct {
	provisional *User
	done        chan struct{}
	user        *User
	err         error
}

// errUserChanged is what ConfirmAuthentication returns when the credentials now authenticate another
// user than the provisional one; the API serves the read again (it never reaches the client).
var errUserChanged = errors.New("resource: the credentials now authenticate another user; the read is served again")

// ConfirmAuthentication waits until the request's credentials, taken provisionally for a read, are
// confirmed, and returns the error that ends the request when they are not: the authentication's
// own (401) or an error after which the API serves the read again as the confirmed user. It returns
// nil at once when nothing is pending: a write, an in-process call, an authentication that does not
// answer provisionally, or a confirmation already received.
func ConfirmAuthentication(ctx context.Context) error {
	info := RequestInfoFrom(ctx)
	if info == nil || info.pending == nil {
		return nil
	}
	p := info.pending
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if p.err != nil {
		return p.err
	}
	if !sameUser(p.user, p.provisional) {
		return errUserChanged
	}
	return nil
}

// sameUser reports whether two users are the same with the same attributes.
func sameUser(a, b *User) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Username == b.Username && a.Superuser == b.Superuser && reflect.DeepEqual(a.Data, b.Data)
}

// authenticate authenticates r with authn: provisionally when the request is a read whose answer waits
// for the confirmation (settleAuthentication), and completely otherwise. A request with more than one
// Authorization header is a 401 before authn sees it: which of them counts would be a guess (Go's
// Header.Get takes the first, a proxy may take the last), so none does.
func authenticate(ctx context.Context, authn Authentication, r *http.Request, read bool) (*User, error) {
	if n := len(r.Header.Values("Authorization")); n > 1 {
		return nil, apierror.New(apierror.NotAuthenticated, "The request has %d Authorization headers; send one.", n).
			With("headers", n)
	}
	pa, ok := authn.(ProvisionalAuthenticator)
	info := RequestInfoFrom(ctx)
	if !ok || !read || info == nil || info.noProvisional {
		return authn.Authenticate(ctx, r)
	}
	user, confirm, err := pa.AuthenticateProvisionally(ctx, r)
	if err != nil || confirm == nil {
		return user, err
	}
	p := &pendingAuth{provisional: user, done: make(chan struct{})}
	info.pending = p
	go func() {
		defer close(p.done)
		p.user, p.err = confirm(ctx)
	}()
	return user, nil
}

// isRead reports whether a request with this method only reads, so that its credentials may be
// confirmed while it is served.
func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// settleAuthentication waits for a provisional authentication of the request to be confirmed before
// anything of its answer is written: when the credentials fail, their error replaces the answer;
// when they now name another user, serve runs again with a complete authentication.
func settleAuthentication(ctx context.Context, resp *Response, err error, serve func() (*Response, error)) (*Response, error) {
	cerr := ConfirmAuthentication(ctx)
	if cerr == nil {
		return resp, err
	}
	info := RequestInfoFrom(ctx)
	info.pending = nil
	if errors.Is(cerr, errUserChanged) {
		info.noProvisional = true
		return serve()
	}
	return nil, cerr
}
