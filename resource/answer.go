package resource

import (
	"encoding/json"
	"strconv"
)

// The answers of the default Dispatch are typed values, the same from the steps to the wire: the
// engine returns them as they are, and the JSON writer writes each as Tastypie's body (keys sorted,
// ", " and ": " between them). A Dispatch override may change them in place, wrap them or replace
// them: HTTP writes whatever it answers; the engine reads only these types, and answers a classified
// error (INTERNAL_ERROR naming the override) when it finds another.
//
//	list GET                           *ListResult      {"meta": {...}, "objects": [...]}
//	detail GET, POST, PUT, PATCH       *Object          {...}
//	set/                               *SetResult       {"not_found": [...], "objects": [...]}
//	array POST, bulk PATCH             *ObjectsResult   {"objects": [...]}
//	DELETE with filters                *DeletedResult   {"deleted": n}
//	PATCH with filters                 *UpdatedResult   {"updated": n}
//	a quiet write (Meta.QuietWrites)   nil

// ListMeta is the meta of a list: Tastypie's paginator fields.
type ListMeta struct {
	// Limit and Offset are the page's, as the request's limit and offset were read.
	Limit  int
	Offset int
	// TotalCount is how many objects the list matches: exact unless Estimated, 0 when Uncounted (the
	// resource's Meta.TotalCount decides).
	TotalCount           int64
	Estimated, Uncounted bool
	// Next and Previous are the URIs of the pages around this one, nil at either end.
	Next     *string
	Previous *string
}

// ListResult is one page of a list: a list GET's answer.
type ListResult struct {
	Meta    ListMeta
	Objects []*Object
}

// SetResult answers set/: the objects found, in the order asked, and the keys not found.
type SetResult struct {
	Objects  []*Object
	NotFound []string
}

// ObjectsResult answers an array POST and a bulk PATCH: the objects written, in order.
type ObjectsResult struct {
	Objects []*Object
}

// DeletedResult answers DELETE with filters: how many objects it deleted.
type DeletedResult struct {
	Deleted int64
}

// UpdatedResult answers PATCH with filters: how many objects it changed.
type UpdatedResult struct {
	Updated int64
}

// jsonAppender is a value the JSON writer asks to write itself.
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

var (
	_ jsonAppender   = (*ListResult)(nil)
	_ jsonAppender   = (*SetResult)(nil)
	_ jsonAppender   = (*ObjectsResult)(nil)
	_ jsonAppender   = (*DeletedResult)(nil)
	_ jsonAppender   = (*UpdatedResult)(nil)
	_ jsonAppender   = (*Schema)(nil)
	_ json.Marshaler = (*ListResult)(nil)
	_ json.Marshaler = (*SetResult)(nil)
	_ json.Marshaler = (*ObjectsResult)(nil)
	_ json.Marshaler = (*DeletedResult)(nil)
	_ json.Marshaler = (*UpdatedResult)(nil)
)

// appendOptString writes s, or null when it is nil.
func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// AppendJSON appends the meta's JSON to b: limit, next, offset, previous, total_count (null when
// Uncounted) and, when Estimated, total_count_estimated.
func (m *ListMeta) AppendJSON(b []byte) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"limit": `...)
	b = strconv.AppendInt(b, int64(m.Limit), 10)
	b = append(b, `, "next": `...)
	b = appendOptString(b, m.Next)
	b = append(b, `, "offset": `...)
	b = strconv.AppendInt(b, int64(m.Offset), 10)
	b = append(b, `, "previous": `...)
	b = appendOptString(b, m.Previous)
	b = append(b, `, "total_count": `...)
	if m.Uncounted {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, m.TotalCount, 10)
	}
	if m.Estimated && !m.Uncounted {
		b = append(b, `, "total_count_estimated": true`...)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the meta as AppendJSON does.
func (m *ListMeta) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil) }

// AppendJSON appends Tastypie's list body to b: {"meta": ..., "objects": [...]}.
func (l *ListResult) AppendJSON(b []byte) ([]byte, error) {
	if l == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"meta": `...)
	b, _ = l.Meta.AppendJSON(b)
	b = append(b, `, "objects": `...)
	b, err := appendJSONValue(b, l.Objects)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the list as AppendJSON does.
func (l *ListResult) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil) }

// AppendJSON appends set/'s body to b: {"objects": [...]}, with "not_found" first when keys were
// not found.
func (s *SetResult) AppendJSON(b []byte) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	if len(s.NotFound) > 0 {
		b = append(b, `"not_found": `...)
		b, _ = appendJSONValue(b, s.NotFound)
		b = append(b, ", "...)
	}
	b = append(b, `"objects": `...)
	b, err := appendJSONValue(b, s.Objects)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the answer as AppendJSON does.
func (s *SetResult) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// AppendJSON appends {"objects": [...]} to b.
func (o *ObjectsResult) AppendJSON(b []byte) ([]byte, error) {
	if o == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"objects": `...)
	b, err := appendJSONValue(b, o.Objects)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the answer as AppendJSON does.
func (o *ObjectsResult) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }

// AppendJSON appends {"deleted": n} to b.
func (d *DeletedResult) AppendJSON(b []byte) ([]byte, error) {
	if d == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"deleted": `...)
	return append(strconv.AppendInt(b, d.Deleted, 10), '}'), nil
}

// MarshalJSON writes the answer as AppendJSON does.
func (d *DeletedResult) MarshalJSON() ([]byte, error) { return d.AppendJSON(nil) }

// AppendJSON appends {"updated": n} to b.
func (u *UpdatedResult) AppendJSON(b []byte) ([]byte, error) {
	if u == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"updated": `...)
	return append(strconv.AppendInt(b, u.Updated, 10), '}'), nil
}

// MarshalJSON writes the answer as AppendJSON does.
func (u *UpdatedResult) MarshalJSON() ([]byte, error) { return u.AppendJSON(nil) }
