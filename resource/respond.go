package resource

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// errorBody is the one error shape of API.md.
func errorBody(e *apierror.Error) map[string]any {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"success": false, "error": e.Message, "code": string(e.Code), "details": details}
}

// writeError renders any error in the one shape. An error that is not an *apierror.Error is a bug: it
// is logged with the request id and answered as INTERNAL_ERROR without its text.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, rid string, err error) {
	e := apierror.As(err)
	switch {
	case e == nil && errors.Is(err, errBodyTooLarge):
		e = apierror.New(apierror.BodyTooLarge, "The request body is larger than %d bytes.", a.maxBodyBytes).With("max_bytes", a.maxBodyBytes)
	case e == nil && r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		e = apierror.New(apierror.RequestTimeout, "The request was cancelled.")
	case e == nil:
		a.logError(r, rid, slog.LevelError, "internal error", err)
		e = apierror.New(apierror.Internal, "An internal error occurred; it was logged with request id %s.", rid).With("request_id", rid)
	case e.Code == apierror.Internal:
		a.logError(r, rid, slog.LevelError, "internal error", err)
		e = e.With("request_id", rid)
	case e.Code == apierror.DatabaseUnavailable:
		a.logError(r, rid, slog.LevelWarn, "database unavailable", errors.Unwrap(e))
	}
	status := apierror.Status(e.Code)
	if status == http.StatusMethodNotAllowed {
		if allowed, ok := e.Details["allowed"].([]string); ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
		}
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterHeader(e), 10))
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterHeader(e), 10))
	}
	// An error is never cached as the answer it replaces would have been.
	w.Header().Del("Cache-Control")
	a.noteAnswer(w, r, status, e.Code)
	a.writeJSON(w, r, status, errorBody(e))
}

// logError logs an error answered to r, quoting a bounded part of its path and text.
func (a *API) logError(r *http.Request, rid string, level slog.Level, msg string, err error) {
	text := "<nil>"
	if err != nil {
		text = err.Error()
	}
	a.logger.Log(r.Context(), level, msg, "request_id", rid, "method", r.Method, "path", LogText(r.URL.Path, maxLoggedPath),
		"error", LogText(text, maxLoggedError))
}

// writeResponse writes a Dispatch result.
func (a *API) writeResponse(w http.ResponseWriter, r *http.Request, resp *Response) {
	if resp == nil {
		a.noteAnswer(w, r, http.StatusNoContent, "")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	info := RequestInfoFrom(r.Context())
	if s, ok := resp.Body.(*csvStream); ok {
		if info != nil {
			countRows(s, info)
		}
		if resp.Header.Get("Cache-Control") == "" {
			a.noteAnswer(w, r, resp.Status, "")
		}
		a.writeCSV(w, r, resp, s)
		return
	}
	if info != nil {
		info.Rows = rowsOf(info.Kind, info.Method, resp)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if resp.Body == nil {
		a.noteAnswer(w, r, resp.Status, "")
		w.WriteHeader(resp.Status)
		return
	}
	a.writeJSONAnswer(w, r, resp.Status, resp.Body)
}

func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, body any) {
	buf, err := appendJSONValue(make([]byte, 0, 4096), body)
	if err != nil {
		a.logger.ErrorContext(r.Context(), "encoding response", "error", err)
		status = http.StatusInternalServerError
		buf, _ = appendJSONValue(nil, errorBody(apierror.New(apierror.Internal, "The response could not be encoded.")))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf)
	}
}

var errBodyTooLarge = errors.New("request body too large")

// decodeBody reads the body of a write into b.Data (an object) or b.Items (an array of objects): JSON,
// or, when the resource's Meta.FormBodies says so, a form (decodeForm). Anything else is a 415.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, b *Bundle) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := parseMediaType(ct)
	forms := b.Resource != nil && b.Resource.Meta.FormBodies
	switch {
	case err == nil && (mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json")):
	case err == nil && forms && (mt == formURLEncoded || mt == formMultipart):
		return decodeForm(http.MaxBytesReader(w, r.Body, a.maxBodyBytes), mt, params, b)
	case forms:
		return apierror.New(apierror.UnsupportedMediaType, "The body must be JSON (Content-Type: application/json) or a form (%s or %s), not %q.",
			formURLEncoded, formMultipart, ct).With("content_type", ct)
	default:
		return apierror.New(apierror.UnsupportedMediaType, "The body must be JSON (Content-Type: application/json), not %q.", ct).
			With("content_type", ct)
	}
	return decodeJSON(http.MaxBytesReader(w, r.Body, a.maxBodyBytes), b)
}
