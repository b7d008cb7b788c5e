package resource

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/filters"
)

// Finding overrides, once, when the API is built: which step methods the registered value has, whether
// each can be used, and the steps with the overrides wrapped around the defaults.

// stepSpec is one step: the interface that overrides it (its one method is named as the step) and how
// an override is wrapped around the default.
type stepSpec struct {
	override reflect.Type
	wrap     func(o any, d Steps, s *Steps)
}

// name is the step's name, its override's method.
func (sp stepSpec) name() string { return sp.override.Method(0).Name }

// offered reports whether s holds the step (an implementation may leave a step it does not offer nil).
func (sp stepSpec) offered(s Steps) bool {
	return !reflect.ValueOf(s).FieldByName(sp.name()).IsNil()
}

// stepSpecs lists every step of Steps, in its order.
var stepSpecs = []stepSpec{
	{reflect.TypeFor[DispatchOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(DispatchOverrider)
		s.Dispatch = func(ctx context.Context, b *Bundle) (*Response, error) { return v.Dispatch(ctx, b, d.Dispatch) }
	}},
	{reflect.TypeFor[ValidateFiltersOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ValidateFiltersOverrider)
		s.ValidateFilters = func(ctx context.Context, b *Bundle) error { return v.ValidateFilters(ctx, b, d.ValidateFilters) }
	}},
	{reflect.TypeFor[BuildFiltersOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(BuildFiltersOverrider)
		s.BuildFilters = func(ctx context.Context, b *Bundle) ([]filters.Filter, error) {
			return v.BuildFilters(ctx, b, d.BuildFilters)
		}
	}},
	{reflect.TypeFor[ApplyFiltersOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ApplyFiltersOverrider)
		s.ApplyFilters = func(ctx context.Context, b *Bundle, q sq.SelectBuilder, fs []filters.Filter) (sq.SelectBuilder, error) {
			return v.ApplyFilters(ctx, b, q, fs, d.ApplyFilters)
		}
	}},
	{reflect.TypeFor[GetObjectListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(GetObjectListOverrider)
		s.GetObjectList = func(ctx context.Context, b *Bundle) (sq.SelectBuilder, error) {
			return v.GetObjectList(ctx, b, d.GetObjectList)
		}
	}},
	{reflect.TypeFor[ObjGetListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjGetListOverrider)
		s.ObjGetList = func(ctx context.Context, b *Bundle) (*Page, error) { return v.ObjGetList(ctx, b, d.ObjGetList) }
	}},
	{reflect.TypeFor[ObjStreamListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjStreamListOverrider)
		s.ObjStreamList = func(ctx context.Context, b *Bundle, each func(*Object) error) error {
			return v.ObjStreamList(ctx, b, each, d.ObjStreamList)
		}
	}},
	{reflect.TypeFor[ObjGetOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjGetOverrider)
		s.ObjGet = func(ctx context.Context, b *Bundle) (*Object, error) { return v.ObjGet(ctx, b, d.ObjGet) }
	}},
	{reflect.TypeFor[ObjCreateOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjCreateOverrider)
		s.ObjCreate = func(ctx context.Context, b *Bundle) (*Object, error) { return v.ObjCreate(ctx, b, d.ObjCreate) }
	}},
	{reflect.TypeFor[ObjCreateListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjCreateListOverrider)
		s.ObjCreateList = func(ctx context.Context, b *Bundle, items []*Bundle) ([]*Object, error) {
			return v.ObjCreateList(ctx, b, items, d.ObjCreateList)
		}
	}},
	{reflect.TypeFor[ObjUpdateOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjUpdateOverrider)
		s.ObjUpdate = func(ctx context.Context, b *Bundle) (*Object, bool, error) { return v.ObjUpdate(ctx, b, d.ObjUpdate) }
	}},
	{reflect.TypeFor[ObjUpdateListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjUpdateListOverrider)
		s.ObjUpdateList = func(ctx context.Context, b *Bundle) (int64, error) { return v.ObjUpdateList(ctx, b, d.ObjUpdateList) }
	}},
	{reflect.TypeFor[ObjDeleteOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjDeleteOverrider)
		s.ObjDelete = func(ctx context.Context, b *Bundle) error { return v.ObjDelete(ctx, b, d.ObjDelete) }
	}},
	{reflect.TypeFor[ObjDeleteListOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjDeleteListOverrider)
		s.ObjDeleteList = func(ctx context.Context, b *Bundle) (int64, error) { return v.ObjDeleteList(ctx, b, d.ObjDeleteList) }
	}},
	{reflect.TypeFor[ObjDeleteKeysOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ObjDeleteKeysOverrider)
		s.ObjDeleteKeys = func(ctx context.Context, b *Bundle, keys []string) error {
			return v.ObjDeleteKeys(ctx, b, keys, d.ObjDeleteKeys)
		}
	}},
	{reflect.TypeFor[HydrateOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(HydrateOverrider)
		s.Hydrate = func(ctx context.Context, b *Bundle) error { return v.Hydrate(ctx, b, d.Hydrate) }
	}},
	{reflect.TypeFor[DehydrateOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(DehydrateOverrider)
		s.Dehydrate = func(ctx context.Context, b *Bundle, obj *Object) error { return v.Dehydrate(ctx, b, obj, d.Dehydrate) }
	}},
	{reflect.TypeFor[ValidateOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(ValidateOverrider)
		s.Validate = func(ctx context.Context, b *Bundle) error { return v.Validate(ctx, b, d.Validate) }
	}},
	{reflect.TypeFor[AlterListDataOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(AlterListDataOverrider)
		s.AlterListData = func(ctx context.Context, b *Bundle, l *ListResult) error {
			return v.AlterListData(ctx, b, l, d.AlterListData)
		}
	}},
	{reflect.TypeFor[AlterDetailDataOverrider](), func(o any, d Steps, s *Steps) {
		v := o.(AlterDetailDataOverrider)
		s.AlterDetailData = func(ctx context.Context, b *Bundle, obj *Object) error {
			return v.AlterDetailData(ctx, b, obj, d.AlterDetailData)
		}
	}},
}

// overridden returns the names of the steps self overrides.
func overridden(self any) map[string]bool {
	t := reflect.TypeOf(self)
	out := map[string]bool{}
	for _, sp := range stepSpecs {
		if t.Implements(sp.override) {
			out[sp.name()] = true
		}
	}
	return out
}

// withOverrides returns the defaults with every override that self implements wrapped around them.
func withOverrides(self any, d Steps) Steps {
	s := d
	t := reflect.TypeOf(self)
	for _, sp := range stepSpecs {
		if t.Implements(sp.override) {
			sp.wrap(self, d, &s)
		}
	}
	return s
}

// checkOverrides refuses every method of self that is named as a step but cannot override it: its
// signature is not the override's, or its receiver is a pointer while self is not, or the step is one
// the resource does not offer (d holds nil). own are the implementation's own steps
// (Binding.OwnSteps), checked the same way.
func checkOverrides(self any, d Steps, own []reflect.Type) error {
	t := reflect.TypeOf(self)
	for _, sp := range stepSpecs {
		if err := checkOverride(t, sp.override); err != nil {
			return err
		}
		if t.Implements(sp.override) && !sp.offered(d) {
			return fmt.Errorf("%s.%s cannot override %s: this resource does not offer the step (its implementation has no %s, so nothing would ever call the override)",
				typeName(t), sp.name(), sp.name(), sp.name())
		}
	}
	for _, iface := range own {
		if err := checkOverride(t, iface); err != nil {
			return err
		}
	}
	return nil
}

// checkOverride checks the method of t named as iface's one method: none, or one that implements iface.
func checkOverride(t, iface reflect.Type) error {
	want := iface.Method(0)
	m, ok := t.MethodByName(want.Name)
	if !ok {
		if t.Kind() != reflect.Pointer {
			if _, onPtr := reflect.PointerTo(t).MethodByName(want.Name); onPtr {
				return fmt.Errorf("(*%s).%s cannot override %s: it has a pointer receiver, but the resource is registered as a %s value, whose methods do not include it; register a pointer (&%s{...}) or give %s a value receiver",
					t, want.Name, want.Name, t, t, want.Name)
			}
		}
		return nil
	}
	if t.Implements(iface) {
		return nil
	}
	got := methodFunc(m.Type)
	return fmt.Errorf("%s.%s cannot override %s: %s; an override of %s is %s (see %s)",
		typeName(t), want.Name, want.Name, mismatch(got, want.Type), want.Name, want.Type, iface)
}

// methodFunc is a method's type without its receiver.
func methodFunc(m reflect.Type) reflect.Type {
	in := make([]reflect.Type, 0, m.NumIn()-1)
	for i := 1; i < m.NumIn(); i++ {
		in = append(in, m.In(i))
	}
	out := make([]reflect.Type, 0, m.NumOut())
	for i := 0; i < m.NumOut(); i++ {
		out = append(out, m.Out(i))
	}
	return reflect.FuncOf(in, out, m.IsVariadic())
}

// mismatch says how got differs from want, both function types without receivers.
func mismatch(got, want reflect.Type) string {
	n := want.NumIn()
	next := want.In(n - 1)
	switch {
	case got.NumIn() == n-1 && samePrefix(got, want, n-1):
		return fmt.Sprintf("it has no next parameter (a %s, last), through which the override receives the default", next)
	case got.NumIn() == n && !samePrefix(got, want, n):
		for i := 0; i < n; i++ {
			if got.In(i) != want.In(i) {
				return fmt.Sprintf("its parameter %d is a %s, not a %s", i+1, got.In(i), want.In(i))
			}
		}
	case got.NumIn() != n:
		return fmt.Sprintf("it takes %d parameters, not %d", got.NumIn(), n)
	}
	if got.IsVariadic() != want.IsVariadic() {
		return "its last parameter is variadic"
	}
	return fmt.Sprintf("it returns %s, not %s", results(got), results(want))
}

// samePrefix reports whether the first n parameters of a and b have the same types.
func samePrefix(a, b reflect.Type, n int) bool {
	for i := 0; i < n; i++ {
		if a.In(i) != b.In(i) {
			return false
		}
	}
	return true
}

// results writes a function type's results as Go does: "error", "(*resource.Object, error)".
func results(f reflect.Type) string {
	parts := make([]string, f.NumOut())
	for i := range parts {
		parts[i] = f.Out(i).String()
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// typeName names the registered value's type as its methods are written: T or (*T).
func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		return "(" + t.String() + ")"
	}
	return t.String()
}
