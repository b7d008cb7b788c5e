package apierror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"testing"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		give Code
		want int
	}{
		{InvalidFilter, http.StatusBadRequest},
		{InvalidValue, http.StatusBadRequest},
		{MissingParameter, http.StatusBadRequest},
		{InvalidOrdering, http.StatusBadRequest},
		{ValidationError, http.StatusBadRequest},
		{MalformedBody, http.StatusBadRequest},
		{BadRequest, http.StatusBadRequest},
		{NotAuthenticated, http.StatusUnauthorized},
		{Forbidden, http.StatusForbidden},
		{ObjectDoesNotExist, http.StatusNotFound},
		{ResourceNotFound, http.StatusNotFound},
		{MethodNotAllowed, http.StatusMethodNotAllowed},
		{NotAcceptable, http.StatusNotAcceptable},
		{Conflict, http.StatusConflict},
		{RunInProgress, http.StatusConflict},
		{BodyTooLarge, http.StatusRequestEntityTooLarge},
		{UnsupportedMediaType, http.StatusUnsupportedMediaType},
		{ContradictoryRequest, http.StatusUnprocessableEntity},
		{Throttled, http.StatusTooManyRequests},
		{DatabaseUnavailable, http.StatusServiceUnavailable},
		{Internal, http.StatusInternalServerError},
		{RequestTimeout, http.StatusGatewayTimeout},
		{NotImplementedHandler, http.StatusNotImplemented},
		{ServerBusy, http.StatusServiceUnavailable},
		{PreconditionFailed, http.StatusPreconditionFailed},
		{"NO_SUCH_CODE", http.StatusInternalServerError},
		{"", http.StatusInternalServerError},
		{"invalid_filter", http.StatusInternalServerError}, // codes are case-sensitive
	}
	for _, tc := range tests {
		t.Run(string(tc.give), func(t *testing.T) {
			if got := Status(tc.give); got != tc.want {
				t.Errorf("Status(%q) = %d, want %d", tc.give, got, tc.want)
			}
		})
	}
}

// Every code of the table has a status of its own: a code added without a status would answer 500.
func TestStatusCoversEveryCode(t *testing.T) {
	if len(statuses) != 25 {
		t.Errorf("the status table has %d codes, TestStatus checks 25: add the new code there", len(statuses))
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name   string
		code   Code
		format string
		args   []any
		want   *Error
	}{
		{name: "plain", code: Conflict, format: "A conflict.", want: &Error{Code: Conflict, Message: "A conflict."}},
		{name: "formatted", code: InvalidFilter, format: "The %q field does not allow filtering (%d).", args: []any{"nmae", 3},
			want: &Error{Code: InvalidFilter, Message: `The "nmae" field does not allow filtering (3).`}},
		{name: "percent kept by %%", code: BadRequest, format: "100%% sure", want: &Error{Code: BadRequest, Message: "100% sure"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := New(tc.code, tc.format, tc.args...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("New = %#v, want %#v", got, tc.want)
			}
			if got.Error() != tc.want.Message {
				t.Errorf("Error() = %q, want %q", got.Error(), tc.want.Message)
			}
		})
	}
}

func TestWith(t *testing.T) {
	tests := []struct {
		name        string
		give        *Error
		key         string
		value       any
		want        map[string]any
		wantOrigDet map[string]any // the original's details afterwards: unchanged
	}{
		{
			name: "first detail", give: New(InvalidFilter, "bad"), key: "parameter", value: "nmae",
			want: map[string]any{"parameter": "nmae"}, wantOrigDet: nil,
		},
		{
			name: "added beside another", give: &Error{Code: InvalidFilter, Details: map[string]any{"a": 1}}, key: "b", value: 2,
			want: map[string]any{"a": 1, "b": 2}, wantOrigDet: map[string]any{"a": 1},
		},
		{
			name: "replacing a key", give: &Error{Code: InvalidFilter, Details: map[string]any{"a": 1}}, key: "a", value: []string{"x"},
			want: map[string]any{"a": []string{"x"}}, wantOrigDet: map[string]any{"a": 1},
		},
		{
			name: "nil value", give: New(Internal, "x"), key: "request_id", value: nil,
			want: map[string]any{"request_id": nil}, wantOrigDet: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := *tc.give
			got := tc.give.With(tc.key, tc.value)
			if got == tc.give {
				t.Fatal("With returned the original, not a copy")
			}
			if !reflect.DeepEqual(got.Details, tc.want) {
				t.Errorf("Details = %#v, want %#v", got.Details, tc.want)
			}
			if got.Code != before.Code || got.Message != before.Message || got.Cause != before.Cause {
				t.Errorf("With changed code, message or cause: %#v, was %#v", got, before)
			}
			if !reflect.DeepEqual(tc.give.Details, tc.wantOrigDet) {
				t.Errorf("the original's Details became %#v, want %#v", tc.give.Details, tc.wantOrigDet)
			}
		})
	}
}

// Chained With calls on one base give independent copies.
func TestWithChainedCopiesAreIndependent(t *testing.T) {
	base := New(ValidationError, "invalid").With("fields", map[string]any{})
	a := base.With("index", 0)
	b := base.With("index", 1)
	tests := []struct {
		name string
		give *Error
		want map[string]any
	}{
		{"base", base, map[string]any{"fields": map[string]any{}}},
		{"a", a, map[string]any{"fields": map[string]any{}, "index": 0}},
		{"b", b, map[string]any{"fields": map[string]any{}, "index": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.give.Details, tc.want) {
				t.Errorf("Details = %#v, want %#v", tc.give.Details, tc.want)
			}
		})
	}
}

var errSentinel = errors.New("sentinel")

func TestWrapUnwrapIs(t *testing.T) {
	base := New(DatabaseUnavailable, "The database is unavailable.").With("retry", true)
	dial := fmt.Errorf("dial: %w", errSentinel)
	tests := []struct {
		name      string
		give      *Error
		target    error
		wantCause error
		wantIs    bool
	}{
		{name: "no cause", give: base, target: errSentinel, wantCause: nil, wantIs: false},
		{name: "sentinel cause", give: base.Wrap(errSentinel), target: errSentinel, wantCause: errSentinel, wantIs: true},
		{name: "cause wrapped in fmt", give: base.Wrap(dial), target: errSentinel, wantCause: dial, wantIs: true},
		{name: "context cause", give: base.Wrap(context.DeadlineExceeded), target: context.DeadlineExceeded, wantCause: context.DeadlineExceeded, wantIs: true},
		{name: "other cause", give: base.Wrap(io.EOF), target: errSentinel, wantCause: io.EOF, wantIs: false},
		{name: "rewrapped keeps the last cause", give: base.Wrap(io.EOF).Wrap(errSentinel), target: io.EOF, wantCause: errSentinel, wantIs: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(tc.give, tc.target); got != tc.wantIs {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tc.give, tc.target, got, tc.wantIs)
			}
			if tc.give.Unwrap() != tc.wantCause {
				t.Errorf("Unwrap() = %v, want %v", tc.give.Unwrap(), tc.wantCause)
			}
			if tc.give.Error() != base.Error() || tc.give.Code != base.Code || !reflect.DeepEqual(tc.give.Details, base.Details) {
				t.Errorf("Wrap changed what the client sees: %#v", tc.give)
			}
		})
	}
}

// Wrap returns a copy: the original keeps no cause.
func TestWrapCopies(t *testing.T) {
	base := New(Internal, "x")
	wrapped := base.Wrap(errSentinel)
	tests := []struct {
		name string
		give *Error
		want error
	}{
		{"original", base, nil},
		{"copy", wrapped, errSentinel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.give.Unwrap(); got != tc.want {
				t.Errorf("Unwrap() = %v, want %v", got, tc.want)
			}
		})
	}
	if base == wrapped {
		t.Error("Wrap returned the original")
	}
}

func TestAsAndCodeOf(t *testing.T) {
	conflict := New(Conflict, "taken").With("field", "name")
	validation := New(ValidationError, "invalid")
	outer := conflict.Wrap(validation)
	tests := []struct {
		name     string
		give     error
		wantAs   *Error
		wantCode Code
	}{
		{name: "nil", give: nil, wantAs: nil, wantCode: Internal},
		{name: "plain error", give: errSentinel, wantAs: nil, wantCode: Internal},
		{name: "the error itself", give: conflict, wantAs: conflict, wantCode: Conflict},
		{name: "wrapped once", give: fmt.Errorf("creating: %w", conflict), wantAs: conflict, wantCode: Conflict},
		{name: "wrapped twice", give: fmt.Errorf("request: %w", fmt.Errorf("creating: %w", validation)), wantAs: validation, wantCode: ValidationError},
		{name: "joined", give: errors.Join(errSentinel, validation), wantAs: validation, wantCode: ValidationError},
		{name: "first of two", give: fmt.Errorf("%w and %w", validation, conflict), wantAs: validation, wantCode: ValidationError},
		{name: "formatted with %v loses it", give: fmt.Errorf("creating: %v", conflict), wantAs: nil, wantCode: Internal},
		{name: "outermost of nested apierrors", give: outer, wantAs: outer, wantCode: Conflict},
		{name: "outermost of nested apierrors, wrapped", give: fmt.Errorf("x: %w", outer), wantAs: outer, wantCode: Conflict},
		{name: "a typed nil", give: (*Error)(nil), wantAs: nil, wantCode: Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := As(tc.give); got != tc.wantAs {
				t.Errorf("As(%v) = %p, want %p", tc.give, got, tc.wantAs)
			}
			if got := CodeOf(tc.give); got != tc.wantCode {
				t.Errorf("CodeOf(%v) = %q, want %q", tc.give, got, tc.wantCode)
			}
		})
	}
}
