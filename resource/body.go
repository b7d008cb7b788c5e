package resource

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/tastygo/tastygo/apierror"
)

// A JSON write body is decoded as a stream, within limits that keep a request's memory a small
// multiple of its size: decoded JSON takes 30 to 100 times the room of its text (a 10 MB body of
// [{},{},...] once took a process from 35 MB to 1.13 GB), so besides Config.MaxBodyBytes a body may
// hold at most MaxBodyObjects objects in its top-level array (checked as each arrives, before the next
// is decoded), about MaxBodyValues values and keys, and MaxBodyDepth levels of nesting (both counted on
// the bytes before the decoder sees them).

// DefaultMaxBodyObjects is how many objects one write may carry (an array POST, or a bulk PATCH's
// objects and deleted_objects together) unless Meta.MaxBodyObjects or Config.MaxBodyObjects says
// otherwise; more is a 413 BODY_TOO_LARGE with details.max_objects.
const DefaultMaxBodyObjects = 10000

// DefaultMaxBodyValues is about how many values and keys a JSON body may hold unless
// Config.MaxBodyValues says otherwise: every '{', '[', ',' and ':' outside strings counts one. More is
// a 413 BODY_TOO_LARGE with details.max_values. Half a million allows 10,000 objects of 25 fields and
// keeps a body within ~60 MB of allocations once decoded (measured: a dense array of numbers, or an
// object of short keys, just under the cap); a body over it is refused before the decoder builds
// anything.
const DefaultMaxBodyValues = 500_000

// MaxBodyDepth is how deeply arrays and objects may nest in a JSON body; deeper is a 400
// MALFORMED_BODY with details.max_depth.
const MaxBodyDepth = 100

var (
	errTooDeep      = errors.New("json body nested too deep")
	errTooManyItems = errors.New("json body holds too many values")
)

// jsonGuard counts what a JSON text holds as its bytes are read, and fails the read once the text nests
// deeper than maxDepth or holds more than maxValues '{', '[', ',' and ':' outside strings. It needs no
// memory of its own, so a hostile body is refused before the decoder builds anything from it.
type jsonGuard struct {
	r                   io.Reader
	maxDepth, maxValues int
	depth, values       int
	inString, escaped   bool
	err                 error
}

func (g *jsonGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, c := range p[:n] {
		if g.inString {
			switch {
			case g.escaped:
				g.escaped = false
			case c == '\\':
				g.escaped = true
			case c == '"':
				g.inString = false
			}
			continue
		}
		switch c {
		case '"':
			g.inString = true
		case '{', '[':
			g.depth++
			g.values++
			if g.depth > g.maxDepth {
				g.err = errTooDeep
			}
		case '}', ']':
			g.depth--
		case ',', ':':
			g.values++
		}
		if g.err == nil && g.values > g.maxValues {
			g.err = errTooManyItems
		}
		if g.err != nil {
			return i, g.err
		}
	}
	return n, err
}

// DecodeJSONBody parses a JSON body into b.Data (an object) or b.Items (an array of objects, for POST
// on a list), within the limits above. Anything else is MALFORMED_BODY.
func DecodeJSONBody(raw []byte, b *Bundle) error {
	return decodeJSON(bytes.NewReader(raw), b)
}

// decodeJSON is DecodeJSONBody reading from body as it decodes: a top-level array is read one object at
// a time, so the object cap stops a huge array after MaxBodyObjects objects.
func decodeJSON(body io.Reader, b *Bundle) error {
	guard := &jsonGuard{r: body, maxDepth: MaxBodyDepth, maxValues: b.maxBodyValues()}
	in := bufio.NewReader(guard)
	first, err := firstByte(in)
	if err == io.EOF {
		return apierror.New(apierror.MalformedBody, "The body is empty; send a JSON object.")
	}
	if err != nil {
		return bodyError(err, b)
	}
	dec := json.NewDecoder(in)
	dec.UseNumber()
	if first == '[' {
		if b.Method != http.MethodPost || b.Kind != KindList {
			return apierror.New(apierror.MalformedBody, "An array body is accepted only by POST on a list; send a JSON object.")
		}
		items, err := decodeItems(dec, b)
		if err != nil {
			return err
		}
		if err := endOfBody(dec, in, b); err != nil {
			return err
		}
		b.Items = items
		return nil
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		return bodyError(err, b)
	}
	if err := endOfBody(dec, in, b); err != nil {
		return err
	}
	if m, ok := v.(map[string]any); ok {
		b.Data = m
		return nil
	}
	return apierror.New(apierror.MalformedBody, "The body must be a JSON object (or, for POST on a list, an array of objects).")
}

// decodeItems reads a top-level array of objects, one object at a time.
func decodeItems(dec *json.Decoder, b *Bundle) ([]map[string]any, error) {
	if _, err := dec.Token(); err != nil { // the '['
		return nil, bodyError(err, b)
	}
	most := b.maxBodyObjects()
	items := []map[string]any{}
	for i := 0; dec.More(); i++ {
		if i == most {
			return nil, tooManyObjects(most)
		}
		var item any
		if err := dec.Decode(&item); err != nil {
			return nil, bodyError(err, b)
		}
		m, ok := item.(map[string]any)
		if !ok {
			return nil, apierror.New(apierror.MalformedBody, "Item %d of the array is not a JSON object.", i).With("index", i)
		}
		items = append(items, m)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, bodyError(err, b)
	}
	if len(items) == 0 {
		return nil, apierror.New(apierror.MalformedBody, "The array is empty; send at least one object.")
	}
	return items, nil
}

// endOfBody checks that nothing but white space follows the body's value (dec reads from in).
func endOfBody(dec *json.Decoder, in io.Reader, b *Bundle) error {
	if dec.More() {
		return apierror.New(apierror.MalformedBody, "The body holds more than one JSON value.")
	}
	// More is false for a stray ']' or '}' too, and for the end of the body.
	c, err := firstByte(bufio.NewReader(io.MultiReader(dec.Buffered(), in)))
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return bodyError(err, b)
	}
	return apierror.New(apierror.MalformedBody, "The body is not valid JSON: invalid character %q after top-level value.", c)
}

// firstByte returns the first byte of in that is not JSON white space, left unread.
func firstByte(in *bufio.Reader) (byte, error) {
	for {
		c, err := in.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, in.UnreadByte()
		}
	}
}

// bodyError is the answer to an error met while decoding a JSON body: a limit, a read error
// (readError), or the JSON's own syntax error, whose text says only what is wrong with the JSON.
func bodyError(err error, b *Bundle) error {
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, errTooDeep):
		return apierror.New(apierror.MalformedBody, "The body nests arrays and objects more than %d levels deep.", MaxBodyDepth).
			With("max_depth", MaxBodyDepth)
	case errors.Is(err, errTooManyItems):
		most := b.maxBodyValues()
		return apierror.New(apierror.BodyTooLarge, "The body holds more than %d JSON values and keys; send less in one request.", most).
			With("max_values", most)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apierror.New(apierror.MalformedBody, "The body is not valid JSON: %v.", err)
	}
	return readError(err)
}

// tooManyObjects is the error of a write carrying more than most objects.
func tooManyObjects(most int) error {
	return apierror.New(apierror.BodyTooLarge, "The body holds more than %d objects; send at most %d in one request.", most, most).
		With("max_objects", most)
}

// readError is the error of a body that could not be read: too large (errBodyTooLarge, a 413) or cut
// short. Its text, which names the connection's addresses, is not shown.
func readError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errBodyTooLarge
	}
	return apierror.New(apierror.MalformedBody, "The request body could not be read: the connection failed or the body ended early.").Wrap(err)
}

// maxBodyObjects is how many objects one write of the bundle's resource may carry.
func (b *Bundle) maxBodyObjects() int {
	if b.Resource != nil {
		if n := b.Resource.Meta.MaxBodyObjects; n > 0 {
			return n
		}
		if a := b.Resource.API; a != nil && a.maxBodyObjects > 0 {
			return a.maxBodyObjects
		}
	}
	return DefaultMaxBodyObjects
}

// maxBodyValues is about how many values and keys a JSON body may hold.
func (b *Bundle) maxBodyValues() int {
	if b.Resource != nil && b.Resource.API != nil && b.Resource.API.maxBodyValues > 0 {
		return b.Resource.API.maxBodyValues
	}
	return DefaultMaxBodyValues
}
