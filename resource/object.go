package resource

import (
	"encoding/json"
	"slices"
	"sort"
)

// Shape is the ordered list of field names that objects of one resource share. It is built once, when
// the API is built, so that an object is a slice of values and writing it needs no map and no sorting.
type Shape struct {
	names  []string
	index  map[string]int
	keys   [][]byte // the JSON key of each name, `"name":`
	sorted []int    // positions in name order: objects are written with sorted keys, as Tastypie does
}

// NewShape returns the shape of objects with these fields.
func NewShape(names ...string) *Shape {
	s := &Shape{names: slices.Clone(names), index: make(map[string]int, len(names))}
	for i, n := range s.names {
		s.index[n] = i
		s.keys = append(s.keys, append(appendJSONString(nil, n), ':'))
		s.sorted = append(s.sorted, i)
	}
	sort.Slice(s.sorted, func(a, b int) bool { return s.names[s.sorted[a]] < s.names[s.sorted[b]] })
	return s
}

// Names returns the field names in declaration order.
func (s *Shape) Names() []string { return slices.Clone(s.names) }

// Index returns the position of a field, or -1.
func (s *Shape) Index(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	return -1
}

// Object is one object as the API shows it: values in wire form (string, int64, float64, bool, nil,
// json.RawMessage, a nested *Object or []*Object) keyed by field name. Values beyond the shape (a
// computed field added by Dehydrate) are kept in insertion order and written in key order.
type Object struct {
	shape   *Shape
	values  []any
	present []bool // false: the field was removed (or not selected with fields=)
	extra   []extraField
}

type extraField struct {
	name  string
	value any
}

// NewObject returns an object of the shape with every field present and nil.
func NewObject(s *Shape) *Object {
	o := &Object{shape: s, values: make([]any, len(s.names)), present: make([]bool, len(s.names))}
	for i := range o.present {
		o.present[i] = true
	}
	return o
}

// SetAt sets the value at a shape position; it is the fast path for code that built the shape.
func (o *Object) SetAt(i int, v any) { o.values[i], o.present[i] = v, true }

// At returns the value at a shape position.
func (o *Object) At(i int) any { return o.values[i] }

// Get returns a field's value and whether the object has the field.
func (o *Object) Get(name string) (any, bool) {
	if i := o.shape.Index(name); i >= 0 {
		return o.values[i], o.present[i]
	}
	for _, e := range o.extra {
		if e.name == name {
			return e.value, true
		}
	}
	return nil, false
}

// Set sets a field, adding it when the shape does not have it.
func (o *Object) Set(name string, v any) {
	if i := o.shape.Index(name); i >= 0 {
		o.SetAt(i, v)
		return
	}
	for k := range o.extra {
		if o.extra[k].name == name {
			o.extra[k].value = v
			return
		}
	}
	o.extra = append(o.extra, extraField{name, v})
}

// Delete removes a field.
func (o *Object) Delete(name string) {
	if i := o.shape.Index(name); i >= 0 {
		o.values[i], o.present[i] = nil, false
		return
	}
	o.extra = slices.DeleteFunc(o.extra, func(e extraField) bool { return e.name == name })
}

// Keep removes every field not in names (and not resource_uri), for fields=.
func (o *Object) Keep(names map[string]bool) {
	for i, n := range o.shape.names {
		if !names[n] && n != "resource_uri" {
			o.values[i], o.present[i] = nil, false
		}
	}
	o.extra = slices.DeleteFunc(o.extra, func(e extraField) bool { return !names[e.name] })
}

// Keys returns the object's field names, sorted.
func (o *Object) Keys() []string {
	var out []string
	for _, i := range o.shape.sorted {
		if o.present[i] {
			out = append(out, o.shape.names[i])
		}
	}
	for _, e := range o.extra {
		out = append(out, e.name)
	}
	sort.Strings(out)
	return out
}

// Map returns the object as a map, for tests and for code that wants one.
func (o *Object) Map() map[string]any {
	m := make(map[string]any, len(o.values)+len(o.extra))
	for i, n := range o.shape.names {
		if o.present[i] {
			m[n] = o.values[i]
		}
	}
	for _, e := range o.extra {
		m[e.name] = e.value
	}
	return m
}

// MarshalJSON writes the object with sorted keys.
func (o *Object) MarshalJSON() ([]byte, error) {
	return o.AppendJSON(nil)
}

// AppendJSON appends the object's JSON to b.
func (o *Object) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	first := true
	var err error
	if len(o.extra) == 0 {
		for _, i := range o.shape.sorted {
			if !o.present[i] {
				continue
			}
			if !first {
				b = append(b, ", "...)
			}
			first = false
			b = append(b, o.shape.keys[i]...)
			b = append(b, ' ')
			if b, err = appendJSONValue(b, o.values[i]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ": "...)
		if b, err = appendJSONValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

var _ json.Marshaler = (*Object)(nil)
