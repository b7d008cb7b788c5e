package resource

import (
	"context"
	"net/http"
)

// SessionLogin is a login by session for browsers (auth.Sessions is one). Set as Config.Sessions, it
// makes the API serve a login page at <prefix>login/ and a logout at <prefix>logout/, and its HTML
// pages send the session's CSRF token with every write they make.
type SessionLogin interface {
	// Login checks a username and password and, when they are right, starts a session, setting its
	// cookie on w. A wrong password is an apierror NOT_AUTHENTICATED; too many a THROTTLED.
	Login(ctx context.Context, w http.ResponseWriter, r *http.Request, username, password string) (*User, error)
	// Logout ends the session r carries, if any, and clears its cookie on w.
	Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) error
	// CSRFToken is the token a write with r's session cookie must carry; "" when r has no session.
	CSRFToken(r *http.Request) string
}
