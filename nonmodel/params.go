package nonmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strings"

	"github.com/gorilla/schema"

	"github.com/tastygo/tastygo/apierror"
)

// paramSpec is a parameters struct, read once by New: its fields, in order, with their names and
// whether they are required, and the decoder that fills it.
type paramSpec struct {
	typ    reflect.Type
	fields []paramField
	dec    *schema.Decoder
}

type paramField struct {
	name     string
	index    []int
	typ      reflect.Type
	required bool
	help     string
}

// newParamSpec reads the struct that v is (or points at). Fields are named by their `schema` tag
// (`schema:"campaign_id,required"`), else by their Go name; `schema:"-"` skips one. Only fields of
// basic kinds (bool, integers, floats, string) and slices of them are accepted.
func newParamSpec(v any) (*paramSpec, error) {
	dec := schema.NewDecoder()
	dec.IgnoreUnknownKeys(true)
	if v == nil {
		return &paramSpec{dec: dec}, nil
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("Options.Params must be a struct or a pointer to one, not %s", t)
	}
	spec := &paramSpec{typ: t, dec: dec}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("schema")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		k := f.Type.Kind()
		if k == reflect.Slice {
			k = f.Type.Elem().Kind()
		}
		if kindName(k) == "" {
			return nil, fmt.Errorf("Options.Params: field %s has type %s; parameters are bools, numbers, strings or slices of them", f.Name, f.Type)
		}
		spec.fields = append(spec.fields, paramField{name: name, index: f.Index, typ: f.Type,
			required: strings.Contains(","+opts+",", ",required,"), help: f.Tag.Get("help")})
	}
	return spec, nil
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.String:
		return "string"
	}
	return ""
}

func (f paramField) typeName() string {
	if f.typ.Kind() == reflect.Slice {
		return "list of " + kindName(f.typ.Elem().Kind())
	}
	return kindName(f.typ.Kind())
}

func (s *paramSpec) names() []string {
	out := make([]string, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.name
	}
	return out
}

func (s *paramSpec) required() []string {
	var out []string
	for _, f := range s.fields {
		if f.required {
			out = append(out, f.name)
		}
	}
	return out
}

// schema describes the parameters for the schema endpoint.
func (s *paramSpec) schema() map[string]any {
	out := map[string]any{}
	for _, f := range s.fields {
		m := map[string]any{"type": f.typeName(), "required": f.required}
		if f.help != "" {
			m["help_text"] = f.help
		}
		out[f.name] = m
	}
	return out
}

// decode fills a new parameters struct from the query: a required parameter absent or empty is a 400
// MISSING_PARAMETER naming it, a value that does not parse (NaN or an infinity for a float included)
// a 400 INVALID_VALUE naming it. It returns the struct (a pointer to it) and the parameters'
// canonical form, the JSON object of every declared parameter by name with sorted keys, so that
// campaign_id=02 and campaign_id=2 are one run.
func (s *paramSpec) decode(q url.Values) (any, string, error) {
	if s.typ == nil {
		return nil, "{}", nil
	}
	var missing []string
	src := map[string][]string{}
	for _, f := range s.fields {
		v, ok := q[f.name]
		if f.required && (!ok || len(v) == 0 || v[0] == "") {
			missing = append(missing, f.name)
		}
		if ok {
			src[f.name] = v
		}
	}
	if len(missing) > 0 {
		return nil, "", apierror.New(apierror.MissingParameter, "Missing required parameter(s): %s.", strings.Join(missing, ", ")).
			With("parameter", missing[0]).With("missing", missing)
	}
	dst := reflect.New(s.typ)
	if err := s.dec.Decode(dst.Interface(), src); err != nil {
		var multi schema.MultiError
		if !errors.As(err, &multi) {
			return nil, "", apierror.New(apierror.InvalidValue, "The parameters could not be read: %v.", err)
		}
		for _, f := range s.fields { // the first failing parameter in declaration order, for a stable answer
			if e, ok := multi[f.name]; ok && e != nil {
				return nil, "", f.invalid(q)
			}
		}
		return nil, "", apierror.New(apierror.InvalidValue, "The parameters could not be read: %v.", err)
	}
	canon := make(map[string]any, len(s.fields))
	for _, f := range s.fields {
		v := dst.Elem().FieldByIndex(f.index)
		if !finite(v) { // NaN and ±Inf parse as floats, but are no number a run could mean (nor JSON)
			return nil, "", f.invalid(q)
		}
		canon[f.name] = v.Interface()
	}
	raw, err := json.Marshal(canon)
	if err != nil {
		return nil, "", err
	}
	return dst.Interface(), string(raw), nil
}

// invalid is the 400 INVALID_VALUE of a parameter whose value (in q) does not parse as its type.
func (f paramField) invalid(q url.Values) error {
	return apierror.New(apierror.InvalidValue, "Invalid value %q for parameter %q: expected %s.",
		strings.Join(q[f.name], ","), f.name, article(f.typeName())).With("parameter", f.name)
}

// finite reports whether a decoded parameter holds no NaN or infinite float.
func finite(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0)
	case reflect.Slice:
		for i := range v.Len() {
			if !finite(v.Index(i)) {
				return false
			}
		}
	}
	return true
}

func article(t string) string {
	if strings.HasPrefix(t, "integer") {
		return "an " + t
	}
	return "a " + t
}

type paramsKey struct{}

// Params returns the decoded parameters of the run the context belongs to, as the pointer type of the
// struct given in Options.Params (*AggParams), and whether there are any: PreProcessData and the list
// steps of a triggering GET have them; a detail GET has none.
func Params[T any](ctx context.Context) (T, bool) {
	p, ok := ctx.Value(paramsKey{}).(T)
	return p, ok
}
