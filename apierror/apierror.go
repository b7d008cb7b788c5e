// Package apierror is the one error value of tastygo: a machine-readable code, a message for the client
// and optional details. Errors are created where the problem is known (a filter parser, a validator,
// the database layer) and rendered in one place, the resource package's HTTP boundary, which maps each
// code to its status.
//
// The package knows nothing about HTTP: [Status] is a table the boundary reads, nothing more.
package apierror

import (
	"errors"
	"fmt"
	"net/http"
)

// Code names a class of error. Clients match on it; the message is for people.
type Code string

// The codes of API.md's error table.
const (
	InvalidFilter         Code = "INVALID_FILTER"
	InvalidValue          Code = "INVALID_VALUE"
	MissingParameter      Code = "MISSING_PARAMETER"
	InvalidOrdering       Code = "INVALID_ORDERING"
	ValidationError       Code = "VALIDATION_ERROR"
	MalformedBody         Code = "MALFORMED_BODY"
	BadRequest            Code = "BAD_REQUEST"
	NotAuthenticated      Code = "NOT_AUTHENTICATED"
	Forbidden             Code = "FORBIDDEN"
	ObjectDoesNotExist    Code = "OBJECT_DOES_NOT_EXIST"
	ResourceNotFound      Code = "RESOURCE_NOT_FOUND"
	MethodNotAllowed      Code = "METHOD_NOT_ALLOWED"
	NotAcceptable         Code = "NOT_ACCEPTABLE"
	Conflict              Code = "CONFLICT"
	RunInProgress         Code = "RUN_IN_PROGRESS"
	BodyTooLarge          Code = "BODY_TOO_LARGE"
	UnsupportedMediaType  Code = "UNSUPPORTED_MEDIA_TYPE"
	ContradictoryRequest  Code = "CONTRADICTORY_REQUEST"
	Throttled             Code = "THROTTLED"
	DatabaseUnavailable   Code = "DATABASE_UNAVAILABLE"
	Internal              Code = "INTERNAL_ERROR"
	RequestTimeout        Code = "REQUEST_TIMEOUT"
	NotImplementedHandler Code = "NOT_IMPLEMENTED"
	// ServerBusy: the server is at a limit it sets itself (the CSV exports running at once); try again
	// after Retry-After.
	ServerBusy Code = "SERVER_BUSY"
	// PreconditionFailed: an If-Match header names another version of the object than the current one.
	PreconditionFailed Code = "PRECONDITION_FAILED"
)

var statuses = map[Code]int{
	InvalidFilter:         http.StatusBadRequest,
	InvalidValue:          http.StatusBadRequest,
	MissingParameter:      http.StatusBadRequest,
	InvalidOrdering:       http.StatusBadRequest,
	ValidationError:       http.StatusBadRequest,
	MalformedBody:         http.StatusBadRequest,
	BadRequest:            http.StatusBadRequest,
	NotAuthenticated:      http.StatusUnauthorized,
	Forbidden:             http.StatusForbidden,
	ObjectDoesNotExist:    http.StatusNotFound,
	ResourceNotFound:      http.StatusNotFound,
	MethodNotAllowed:      http.StatusMethodNotAllowed,
	PreconditionFailed:    http.StatusPreconditionFailed,
	NotAcceptable:         http.StatusNotAcceptable,
	Conflict:              http.StatusConflict,
	RunInProgress:         http.StatusConflict,
	BodyTooLarge:          http.StatusRequestEntityTooLarge,
	UnsupportedMediaType:  http.StatusUnsupportedMediaType,
	ContradictoryRequest:  http.StatusUnprocessableEntity,
	Throttled:             http.StatusTooManyRequests,
	DatabaseUnavailable:   http.StatusServiceUnavailable,
	Internal:              http.StatusInternalServerError,
	RequestTimeout:        http.StatusGatewayTimeout,
	NotImplementedHandler: http.StatusNotImplemented,
	ServerBusy:            http.StatusServiceUnavailable,
}

// Status is the HTTP status a code is answered with; an unknown code is a 500.
func Status(c Code) int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a client-facing error. Details is rendered as the body's "details" object; Cause is kept
// for logs and errors.Is/As and never shown to the client.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	Cause   error
}

// Error returns the client message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with the code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with the detail key set; it reads well at the point of creation:
// apierror.New(InvalidFilter, "...").With("parameter", name).
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// Wrap returns a copy of e that keeps cause for the logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns the code of err's *Error, or Internal when err carries none.
func CodeOf(err error) Code {
	if e := As(err); e != nil {
		return e.Code
	}
	return Internal
}
