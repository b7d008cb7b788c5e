package nonmodel

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/apierror"
)

// fuzzParams has a parameter of every kind a parameters struct may declare.
type fuzzParams struct {
	ID      int64     `schema:"id,required"`
	Small   int8      `schema:"small"`
	Count   uint16    `schema:"count"`
	Ratio   float64   `schema:"ratio"`
	Ratio32 float32   `schema:"ratio32"`
	On      bool      `schema:"on"`
	Name    string    `schema:"name"`
	Tags    []string  `schema:"tags"`
	IDs     []int     `schema:"ids"`
	Weights []float64 `schema:"weights"`
}

// FuzzDecodeParams feeds arbitrary query strings, plus one key and value added as they are, to the
// decoding of a parameters struct with every kind of field. Invariants: no panic; an error is a 400
// MISSING_PARAMETER or INVALID_VALUE naming a declared parameter; what decodes has a canonical form
// that is JSON, and decoding the query again gives the same one.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		"id=1", "id=02", "", "id=", "id=x", "id=1&small=127", "id=1&small=128", "id=1&count=-1", "id=1&count=65536",
		"id=1&ratio=1.5", "id=1&ratio=NaN", "id=1&ratio=Inf", "id=1&ratio=-inf", "id=1&ratio=1e400", "id=1&ratio32=1e39",
		"id=1&weights=1&weights=nan", "id=1&on=true", "id=1&on=yes", "id=1&on=", "id=1&name=%FF%00",
		"id=1&tags=a&tags=b", "id=1&ids=1&ids=x", "id=1&ids=", "id=1&id=2", "id=9223372036854775808", "group=1&note=x",
	} {
		f.Add(s, "", "")
	}
	f.Add("id=1", "ratio", "0x1p-2")
	spec, err := newParamSpec(fuzzParams{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, key, value string) {
		values, _ := url.ParseQuery(raw) // a malformed pair is dropped; the rest is still a query
		if key != "" {
			values.Add(key, value)
		}
		p, canon, err := spec.decode(values)
		if err != nil {
			e := apierror.As(err)
			if e == nil || (e.Code != apierror.InvalidValue && e.Code != apierror.MissingParameter) {
				t.Fatalf("decode(%v): %#v is not a 400 INVALID_VALUE or MISSING_PARAMETER", values, err)
			}
			if name, _ := e.Details["parameter"].(string); !slices.Contains(spec.names(), name) {
				t.Fatalf("decode(%v): the error names %q, not a declared parameter: %v", values, name, err)
			}
			return
		}
		if _, ok := p.(*fuzzParams); !ok {
			t.Fatalf("decode(%v) gave %T", values, p)
		}
		if !json.Valid([]byte(canon)) {
			t.Fatalf("decode(%v): the canonical form %q is not JSON", values, canon)
		}
		if _, again, err := spec.decode(values); err != nil || again != canon {
			t.Fatalf("decode(%v) twice: %q then %q, %v", values, canon, again, err)
		}
	})
}
