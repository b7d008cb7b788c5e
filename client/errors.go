package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is an error the API answered (or, for a request the client refuses before sending it, the
// error it would have answered): its HTTP status, its machine-readable code, its message, its details
// and the request id the server logged it under. Match it with errors.Is against the sentinels
// (ErrNotFound, ErrInvalid...) or read it with errors.As.
type Error struct {
	// Status is the HTTP status (0 for a request refused by the client before it was sent).
	Status int
	// Code is the API's code: OBJECT_DOES_NOT_EXIST, VALIDATION_ERROR, THROTTLED...
	Code string
	// Message is the API's message, for people.
	Message string
	// RequestID is the X-Request-Id of the answer ("" in-process).
	RequestID string
	// Details is the API's details object (the parameter, the fields, the resource and key...).
	Details map[string]any
	// RetryAfter is the delay the server asked for with Retry-After (0 when it named none).
	RetryAfter time.Duration
}

// Error returns the status, code and message.
func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// The sentinels an *Error matches with errors.Is. Each is matched by the API's code first and, for a
// code the client does not know, by the HTTP status.
var (
	// ErrNotFound: 404, OBJECT_DOES_NOT_EXIST or RESOURCE_NOT_FOUND (and First on an empty query).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request is wrong (400, 413, 415, 422: INVALID_FILTER, VALIDATION_ERROR,
	// MISSING_PARAMETER, CONTRADICTORY_REQUEST...), and a filtered Update or Delete without a filter.
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthorized: 401 NOT_AUTHENTICATED.
	ErrUnauthorized = errors.New("not authenticated")
	// ErrForbidden: 403 FORBIDDEN.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: 409 CONFLICT, a unique or foreign-key constraint.
	ErrConflict = errors.New("conflict")
	// ErrThrottled: 429 THROTTLED.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: 502, 503 (DATABASE_UNAVAILABLE, SERVER_BUSY) and 504.
	ErrUnavailable = errors.New("unavailable")
	// ErrRunInProgress: 409 RUN_IN_PROGRESS, a processing run with the same parameters is running.
	ErrRunInProgress = errors.New("run in progress")
)

// Codes the client sets itself, on requests it refuses before sending them.
const (
	// CodeNoFilter: a filtered Update or Delete with no filter, or with Limit, Offset or OrderBy.
	CodeNoFilter = "NO_FILTER"
	// CodeNotOffered: a filtered Update or Delete of a relation's list (Related), which is read only.
	CodeNotOffered = "NOT_OFFERED"
	// CodeNotCounted: Count on a resource that does not count its lists.
	CodeNotCounted = "NOT_COUNTED"
)

var codeSentinels = map[string]error{
	"OBJECT_DOES_NOT_EXIST":  ErrNotFound,
	"RESOURCE_NOT_FOUND":     ErrNotFound,
	"INVALID_FILTER":         ErrInvalid,
	"INVALID_VALUE":          ErrInvalid,
	"MISSING_PARAMETER":      ErrInvalid,
	"INVALID_ORDERING":       ErrInvalid,
	"VALIDATION_ERROR":       ErrInvalid,
	"MALFORMED_BODY":         ErrInvalid,
	"BAD_REQUEST":            ErrInvalid,
	"BODY_TOO_LARGE":         ErrInvalid,
	"UNSUPPORTED_MEDIA_TYPE": ErrInvalid,
	"CONTRADICTORY_REQUEST":  ErrInvalid,
	CodeNoFilter:             ErrInvalid,
	CodeNotOffered:           ErrInvalid,
	"NOT_AUTHENTICATED":      ErrUnauthorized,
	"FORBIDDEN":              ErrForbidden,
	"CONFLICT":               ErrConflict,
	"RUN_IN_PROGRESS":        ErrRunInProgress,
	"THROTTLED":              ErrThrottled,
	"DATABASE_UNAVAILABLE":   ErrUnavailable,
	"SERVER_BUSY":            ErrUnavailable,
}

var statusSentinels = map[int]error{
	http.StatusBadRequest:            ErrInvalid,
	http.StatusRequestEntityTooLarge: ErrInvalid,
	http.StatusUnsupportedMediaType:  ErrInvalid,
	http.StatusUnprocessableEntity:   ErrInvalid,
	http.StatusUnauthorized:          ErrUnauthorized,
	http.StatusForbidden:             ErrForbidden,
	http.StatusNotFound:              ErrNotFound,
	http.StatusConflict:              ErrConflict,
	http.StatusTooManyRequests:       ErrThrottled,
	http.StatusBadGateway:            ErrUnavailable,
	http.StatusServiceUnavailable:    ErrUnavailable,
	http.StatusGatewayTimeout:        ErrUnavailable,
}

// sentinel is the one sentinel e matches, nil for none.
func (e *Error) sentinel() error {
	if s, ok := codeSentinels[e.Code]; ok {
		return s
	}
	return statusSentinels[e.Status]
}

// Is reports whether target is the sentinel of e's code (or, for an unknown code, of its status).
func (e *Error) Is(target error) bool {
	s := e.sentinel()
	return s != nil && s == target
}

// refused is the error of a request the client will not send.
func refused(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
