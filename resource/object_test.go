package resource

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestShape(t *testing.T) {
	s := NewShape("name", "id", "resource_uri")
	tests := []struct {
		give string
		want int
	}{
		{give: "name", want: 0},
		{give: "id", want: 1},
		{give: "resource_uri", want: 2},
		{give: "missing", want: -1},
		{give: "", want: -1},
		{give: "ID", want: -1},
	}
	for _, tc := range tests {
		t.Run(tc.give, func(t *testing.T) {
			if got := s.Index(tc.give); got != tc.want {
				t.Errorf("Index(%q) = %d, want %d", tc.give, got, tc.want)
			}
		})
	}
}

// Names is in declaration order and a copy: neither the caller's slice nor the returned one is shared.
func TestShapeNamesAreCopies(t *testing.T) {
	given := []string{"b", "a"}
	s := NewShape(given...)
	given[0] = "changed"
	names := s.Names()
	names[1] = "changed too"
	tests := []struct {
		name string
		give []string
		want []string
	}{
		{name: "names", give: s.Names(), want: []string{"b", "a"}},
		{name: "keys of a new object", give: NewObject(s).Keys(), want: []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.give, tc.want) {
				t.Errorf("got %q, want %q", tc.give, tc.want)
			}
		})
	}
}

func TestObject(t *testing.T) {
	shape := NewShape("name", "id", "resource_uri")
	// newAuthor is the object each case starts from.
	newAuthor := func() *Object {
		o := NewObject(shape)
		o.SetAt(shape.Index("id"), int64(1))
		o.SetAt(shape.Index("name"), "Zola")
		o.SetAt(shape.Index("resource_uri"), "/api/v1/author/1/")
		return o
	}
	type want struct {
		keys   []string
		m      map[string]any
		json   string
		get    any // Get(probe)
		getOK  bool
		atName any // At of the shape's "name" position
	}
	tests := []struct {
		name  string
		give  func(o *Object)
		probe string
		want  want
	}{
		{
			name: "as built", give: func(*Object) {}, probe: "name",
			want: want{
				keys: []string{"id", "name", "resource_uri"},
				m:    map[string]any{"id": int64(1), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  "Zola", getOK: true, atName: "Zola",
			},
		},
		{
			name: "new object is all null", probe: "id",
			give: func(o *Object) { *o = *NewObject(shape) },
			want: want{
				keys: []string{"id", "name", "resource_uri"},
				m:    map[string]any{"id": nil, "name": nil, "resource_uri": nil},
				json: `{"id": null, "name": null, "resource_uri": null}`,
				get:  nil, getOK: true, atName: nil,
			},
		},
		{
			name: "set a shape field", probe: "name",
			give: func(o *Object) { o.Set("name", "Émile \"Z\"") },
			want: want{
				keys: []string{"id", "name", "resource_uri"},
				m:    map[string]any{"id": int64(1), "name": "Émile \"Z\"", "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "name": "Émile \"Z\"", "resource_uri": "/api/v1/author/1/"}`,
				get:  "Émile \"Z\"", getOK: true, atName: "Émile \"Z\"",
			},
		},
		{
			name: "extra fields sorted among the shape's", probe: "mentor",
			give: func(o *Object) {
				o.Set("zzz", int64(3))
				o.Set("mentor", "x")
				o.Set("aaa", true)
			},
			want: want{
				keys: []string{"aaa", "id", "mentor", "name", "resource_uri", "zzz"},
				m:    map[string]any{"aaa": true, "id": int64(1), "mentor": "x", "name": "Zola", "resource_uri": "/api/v1/author/1/", "zzz": int64(3)},
				json: `{"aaa": true, "id": 1, "mentor": "x", "name": "Zola", "resource_uri": "/api/v1/author/1/", "zzz": 3}`,
				get:  "x", getOK: true, atName: "Zola",
			},
		},
		{
			name: "extra set twice is one field", probe: "count",
			give: func(o *Object) {
				o.Set("count", int64(1))
				o.Set("count", int64(2))
			},
			want: want{
				keys: []string{"count", "id", "name", "resource_uri"},
				m:    map[string]any{"count": int64(2), "id": int64(1), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"count": 2, "id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  int64(2), getOK: true, atName: "Zola",
			},
		},
		{
			name: "extra key that needs escaping", probe: "a\"b",
			give: func(o *Object) { o.Set("a\"b", nil) },
			want: want{
				keys: []string{"a\"b", "id", "name", "resource_uri"},
				m:    map[string]any{"a\"b": nil, "id": int64(1), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"a\"b": null, "id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: true, atName: "Zola",
			},
		},
		{
			name: "deleted shape field is omitted", probe: "name",
			give: func(o *Object) { o.Delete("name") },
			want: want{
				keys: []string{"id", "resource_uri"},
				m:    map[string]any{"id": int64(1), "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: false, atName: nil,
			},
		},
		{
			name: "deleted shape field is omitted among extras", probe: "id",
			give: func(o *Object) {
				o.Set("b", int64(2))
				o.Delete("id")
			},
			want: want{
				keys: []string{"b", "name", "resource_uri"},
				m:    map[string]any{"b": int64(2), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"b": 2, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: false, atName: "Zola",
			},
		},
		{
			name: "every field deleted", probe: "resource_uri",
			give: func(o *Object) {
				o.Delete("id")
				o.Delete("name")
				o.Delete("resource_uri")
			},
			want: want{keys: nil, m: map[string]any{}, json: `{}`, get: nil, getOK: false, atName: nil},
		},
		{
			name: "deleted then set again", probe: "name",
			give: func(o *Object) {
				o.Delete("name")
				o.Set("name", "Nana")
			},
			want: want{
				keys: []string{"id", "name", "resource_uri"},
				m:    map[string]any{"id": int64(1), "name": "Nana", "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "name": "Nana", "resource_uri": "/api/v1/author/1/"}`,
				get:  "Nana", getOK: true, atName: "Nana",
			},
		},
		{
			name: "deleted extra", probe: "x",
			give: func(o *Object) {
				o.Set("x", int64(1))
				o.Set("y", int64(2))
				o.Delete("x")
			},
			want: want{
				keys: []string{"id", "name", "resource_uri", "y"},
				m:    map[string]any{"id": int64(1), "name": "Zola", "resource_uri": "/api/v1/author/1/", "y": int64(2)},
				json: `{"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/", "y": 2}`,
				get:  nil, getOK: false, atName: "Zola",
			},
		},
		{
			name: "deleting an unknown field does nothing", probe: "unknown",
			give: func(o *Object) { o.Delete("unknown") },
			want: want{
				keys: []string{"id", "name", "resource_uri"},
				m:    map[string]any{"id": int64(1), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: false, atName: "Zola",
			},
		},
		{
			name: "keep some fields and resource_uri", probe: "id",
			give: func(o *Object) {
				o.Set("computed", int64(1))
				o.Set("kept", int64(2))
				o.Keep(map[string]bool{"name": true, "kept": true})
			},
			want: want{
				keys: []string{"kept", "name", "resource_uri"},
				m:    map[string]any{"kept": int64(2), "name": "Zola", "resource_uri": "/api/v1/author/1/"},
				json: `{"kept": 2, "name": "Zola", "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: false, atName: "Zola",
			},
		},
		{
			name: "keep nothing keeps resource_uri", probe: "resource_uri",
			give: func(o *Object) { o.Keep(map[string]bool{}) },
			want: want{
				keys: []string{"resource_uri"},
				m:    map[string]any{"resource_uri": "/api/v1/author/1/"},
				json: `{"resource_uri": "/api/v1/author/1/"}`,
				get:  "/api/v1/author/1/", getOK: true, atName: nil,
			},
		},
		{
			name: "keep an unknown name", probe: "name",
			give: func(o *Object) { o.Keep(map[string]bool{"id": true, "nmae": true}) },
			want: want{
				keys: []string{"id", "resource_uri"},
				m:    map[string]any{"id": int64(1), "resource_uri": "/api/v1/author/1/"},
				json: `{"id": 1, "resource_uri": "/api/v1/author/1/"}`,
				get:  nil, getOK: false, atName: nil,
			},
		},
		{
			name: "nested values", probe: "books",
			give: func(o *Object) {
				mentor := NewObject(NewShape("id"))
				mentor.Set("id", int64(2))
				o.Set("mentor", mentor)
				o.Set("books", []*Object{})
				o.Set("extra", json.RawMessage(`{"tags": ["a"]}`))
				o.Set("score", 1e-7)
			},
			want: want{
				keys: []string{"books", "extra", "id", "mentor", "name", "resource_uri", "score"},
				m: map[string]any{"books": []*Object{}, "extra": json.RawMessage(`{"tags": ["a"]}`), "id": int64(1),
					"mentor": func() *Object { o := NewObject(NewShape("id")); o.Set("id", int64(2)); return o }(),
					"name":   "Zola", "resource_uri": "/api/v1/author/1/", "score": 1e-7},
				json: `{"books": [], "extra": {"tags": ["a"]}, "id": 1, "mentor": {"id": 2}, "name": "Zola", "resource_uri": "/api/v1/author/1/", "score": 1e-7}`,
				get:  []*Object{}, getOK: true, atName: "Zola",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newAuthor()
			tc.give(o)
			if got := o.Keys(); !reflect.DeepEqual(got, tc.want.keys) {
				t.Errorf("Keys() = %q, want %q", got, tc.want.keys)
			}
			if got := o.Map(); !reflect.DeepEqual(got, tc.want.m) {
				t.Errorf("Map() = %#v, want %#v", got, tc.want.m)
			}
			got, err := o.MarshalJSON()
			if err != nil || string(got) != tc.want.json {
				t.Errorf("MarshalJSON() = %s, %v\nwant %s", got, err, tc.want.json)
			}
			if !json.Valid(got) {
				t.Errorf("MarshalJSON() is not valid JSON: %s", got)
			}
			if v, ok := o.Get(tc.probe); !reflect.DeepEqual(v, tc.want.get) || ok != tc.want.getOK {
				t.Errorf("Get(%q) = %#v, %v; want %#v, %v", tc.probe, v, ok, tc.want.get, tc.want.getOK)
			}
			if v := o.At(shape.Index("name")); !reflect.DeepEqual(v, tc.want.atName) {
				t.Errorf("At(name) = %#v, want %#v", v, tc.want.atName)
			}
			// encoding/json calls MarshalJSON and compacts it; it must decode to the same value.
			std, err := json.Marshal(o)
			var fromStd, fromOwn any
			if err != nil || json.Unmarshal(std, &fromStd) != nil || json.Unmarshal(got, &fromOwn) != nil || !reflect.DeepEqual(fromStd, fromOwn) {
				t.Errorf("json.Marshal(o) = %s, %v; differs from %s", std, err, got)
			}
		})
	}
}

// The objects of one shape are independent.
func TestObjectsShareOnlyTheShape(t *testing.T) {
	shape := NewShape("id")
	a, b := NewObject(shape), NewObject(shape)
	a.Set("id", int64(1))
	a.Set("extra", "a")
	b.Delete("id")
	tests := []struct {
		name string
		give *Object
		want string
	}{
		{name: "a", give: a, want: `{"extra": "a", "id": 1}`},
		{name: "b", give: b, want: `{}`},
		{name: "new", give: NewObject(shape), want: `{"id": null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.give.MarshalJSON(); err != nil || string(got) != tc.want {
				t.Errorf("MarshalJSON() = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
