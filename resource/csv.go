package resource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

// CSV output of a list (API.md: format=csv, or Accept: text/csv without a format).
//
// The body is one header row of the field names in the resource's
// field order (query fields included, resource_uri last; fields= narrows it), then one record per
// object with its values in wire form (dates and timestamps ISO 8601, booleans true/false, null as an
// empty field, JSON as its text), quoted as RFC 4180 says by encoding/csv; records end in "\n".
// Dehydrate runs on every object, but the columns are the shape's fields: a field that Dehydrate adds
// is not written, one it removes is empty. Relations are never expanded (depth= is a 400).
//
// Text cells are neutralised against spreadsheet formulas unless Meta or Config.CSVRawText says not to.
//
// Pages: a resource whose Meta.CSVExport is set streams every matching row when the request gives no
// limit (an offset still applies), as the rows arrive, within the limits of export.go; otherwise CSV
// is the page JSON would show, without the envelope, read whole before it is written.
//
// Errors: an error before the first bytes of the body are sent (a bad parameter, authorization, the
// query, anything while reading a page) is answered in the one JSON error shape. An error after that
// (an export past its first 64 KiB) is logged and the connection is cut without ending the body, so
// that a client sees an incomplete transfer rather than a shorter file that looks whole.

const csvContentType = "text/csv; charset=utf-8"

// csvStream is the body of a CSV list: rows calls each for every object in order. rawText leaves
// text that a spreadsheet would read as a formula as it is (see neutralise).
type csvStream struct {
	b       *Bundle
	columns []string
	rows    func(each func(*Object) error) error
	rawText bool
	paged   bool // a page, read whole before it is written; otherwise an export (export.go)
}

// wantsCSV reports whether a list request asks for CSV: format=csv, or no format and an Accept header
// that prefers text/csv to JSON.
func wantsCSV(b *Bundle) bool {
	if f := b.Query.Get("format"); f != "" {
		return f == "csv"
	}
	return b.Request != nil && prefersCSV(b.Request.Header.Values("Accept"))
}

// csvList answers a list as CSV; checkReadParams has run.
func csvList(ctx context.Context, b *Bundle) (*Response, error) {
	if b.Depth > 0 {
		return nil, apierror.New(apierror.InvalidValue, "depth=%s cannot be used with format=csv: nested objects have no CSV form.",
			b.Query.Get("depth")).With("parameter", "depth")
	}
	limited, err := b.Resource.API.wire.paging(b)
	if err != nil {
		return nil, err
	}
	paged := limited || !b.Resource.Meta.CSVExport
	if !paged {
		b.Limit = 0 // every row from the offset on
	}
	rows := func(each func(*Object) error) error { return b.Resource.Steps.ObjStreamList(ctx, b, each) }
	h := http.Header{}
	h.Set("Content-Type", csvContentType)
	h.Set("Content-Disposition", `attachment; filename="`+b.Resource.Name+`.csv"`)
	raw := b.Resource.Meta.CSVRawText || (b.Resource.API != nil && b.Resource.API.csvRawText)
	return &Response{Status: http.StatusOK, Header: h, Body: &csvStream{b: b, columns: csvColumns(b), rows: rows, rawText: raw, paged: paged}}, nil
}

// csvColumns are the header: the resource's fields in order, narrowed by fields=, resource_uri last.
func csvColumns(b *Bundle) []string {
	keep := fieldSelection(b)
	var cols []string
	for _, f := range b.Resource.Binding.Fields {
		if f.Name != "resource_uri" && (keep == nil || keep[f.Name]) {
			cols = append(cols, f.Name)
		}
	}
	return append(cols, "resource_uri")
}

// errHeadDone stops a HEAD request's stream once it is known to succeed.
var errHeadDone = errors.New("head: no body")

// write writes the header row, then a record per object (only the first object's existence is
// checked for HEAD). Each value is appended to the writer's buffer in its CSV form directly (numbers
// with strconv, text quoted as encoding/csv would quote it), with no string per value.
func (s *csvStream) write(ctx context.Context, cw *csvWriter, head bool) error {
	if !head {
		for i, c := range s.columns {
			cw.buf = cw.appendText(cw.buf, i, c, false)
		}
		cw.buf = append(cw.buf, '\n')
	}
	var shape *Shape
	var idx []int
	steps := s.b.Resource.Steps
	return s.rows(func(o *Object) error {
		if head {
			return errHeadDone
		}
		if err := steps.Dehydrate(ctx, s.b, o); err != nil {
			return err
		}
		if o.shape != shape {
			shape, idx = o.shape, make([]int, len(s.columns))
			for i, c := range s.columns {
				idx[i] = shape.Index(c)
			}
		}
		for i, c := range s.columns {
			var v any
			if j := idx[i]; j >= 0 {
				if o.present[j] {
					v = o.values[j]
				}
			} else {
				v, _ = o.Get(c)
			}
			cw.buf = cw.appendValue(cw.buf, i, v, !s.rawText)
		}
		cw.buf = append(cw.buf, '\n')
		return cw.flushIfFull()
	})
}

// csvWriter writes CSV records as encoding/csv does with its defaults (comma, "\n", RFC 4180 quotes):
// the stream appends each record to buf, which goes to w each time it passes csvFlushAt bytes.
type csvWriter struct {
	w   io.Writer
	buf []byte
}

// csvFlushAt is how much of the body csvWriter gathers before handing it on.
const csvFlushAt = 32 << 10

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{w: w, buf: make([]byte, 0, csvFlushAt+4096)}
}

func (cw *csvWriter) flushIfFull() error {
	if len(cw.buf) < csvFlushAt {
		return nil
	}
	return cw.Flush()
}

// Flush hands what is buffered to the underlying writer.
func (cw *csvWriter) Flush() error {
	if len(cw.buf) == 0 {
		return nil
	}
	_, err := cw.w.Write(cw.buf)
	cw.buf = cw.buf[:0]
	return err
}

// appendValue appends the field i of a record: a wire value in CSV (null empty, JSON as its text),
// text neutralised against formulas when neutral is set.
func (cw *csvWriter) appendValue(b []byte, i int, v any, neutral bool) []byte {
	switch x := v.(type) {
	case nil:
		if i > 0 {
			b = append(b, ',')
		}
		return b
	case string:
		return cw.appendText(b, i, x, neutral)
	case int64:
		if i > 0 {
			b = append(b, ',')
		}
		return strconv.AppendInt(b, x, 10)
	case float64:
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b
		}
		return appendJSONFloat(b, x)
	case bool:
		if i > 0 {
			b = append(b, ',')
		}
		return strconv.AppendBool(b, x)
	}
	return cw.appendText(b, i, csvValue(v), false)
}

// appendText appends the field i of a record holding text, quoted as encoding/csv quotes it, with a
// leading single quote first when neutral is set and the text could be read as a formula.
func (cw *csvWriter) appendText(b []byte, i int, text string, neutral bool) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	prefixed := neutral && formulaLike(text)
	quote := strings.ContainsAny(text, "\"\r\n,")
	if !quote && !prefixed && text != "" {
		// encoding/csv's other cases: the text \. and text starting with a space (the prefix is not one).
		r, _ := utf8.DecodeRuneInString(text)
		quote = text == `\.` || unicode.IsSpace(r)
	}
	if !quote {
		if prefixed {
			b = append(b, '\'')
		}
		return append(b, text...)
	}
	b = append(b, '"')
	if prefixed {
		b = append(b, '\'')
	}
	for {
		j := strings.IndexByte(text, '"')
		if j < 0 {
			break
		}
		b = append(b, text[:j+1]...)
		b = append(b, '"')
		text = text[j+1:]
	}
	b = append(b, text...)
	return append(b, '"')
}

// csvValue is a wire value as CSV text: null is empty, JSON is its text.
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return string(appendJSONFloat(nil, x))
	case bool:
		return strconv.FormatBool(x)
	case json.RawMessage:
		return string(x)
	case time.Time:
		return x.UTC().Format(field.DateTimeLayout)
	case []any:
		// A list of keys (a many-to-many field): one cell, the keys joined by commas.
		parts := make([]string, len(x))
		for i, e := range x {
			switch e.(type) {
			case string, int64, int:
				parts[i] = csvValue(e)
			default:
				enc, err := appendJSONValue(nil, v)
				if err != nil {
					return fmt.Sprint(v)
				}
				return string(enc)
			}
		}
		return strings.Join(parts, ",")
	}
	enc, err := appendJSONValue(nil, v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(enc)
}

// formulaLike reports whether a spreadsheet would read text as a formula (see neutralise).
func formulaLike(text string) bool {
	return text != "" && strings.IndexByte("=+-@\t\r", text[0]) >= 0
}

// neutralise keeps a spreadsheet from reading text as a formula, as OWASP's CSV injection guidance
// says: text starting with '=', '+', '-', '@', a tab or a carriage return gets a leading single quote,
// which spreadsheets take as "this cell is text" and do not show. Only text values are changed: a
// number such as -3.5 in a numeric field is written as it is.
func neutralise(text string) string {
	if formulaLike(text) {
		return "'" + text
	}
	return text
}

// challenge is the resource's WWW-Authenticate challenge for a 401.
func (r *Bound) challenge() string {
	if ch, ok := r.authn.(Challenger); ok && ch.Challenge() != "" {
		return ch.Challenge()
	}
	return `Basic realm="api"`
}
