package resource

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/field"
)

// Per-field hooks (Tastypie's dehydrate_<field> and hydrate_<field>) and computed fields.
//
// A method of the registered value named Dehydrate<Field> gives the value a field shows in every
// answer; one named Hydrate<Field> prepares the body of every write for that field. <Field> is the
// field's name in Go's style: "title" → DehydrateTitle, "campaign_id" → DehydrateCampaignID (or
// DehydrateCampaignId); the match ignores case and underscores. They are found when the API is built,
// checked as overrides are, and run inside the Dehydrate and Hydrate steps' defaults, so wherever
// those steps run, the hooks run.

// ComputedField is a field that is not in the table: its value comes from the resource's
// Dehydrate<Name> method, which New requires. It is read-only (a body's value for it is handed to
// Hydrate<Name>, if there is one, and then dropped), and shown in the schema, the OpenAPI document,
// CSV and fields= like any other field; it cannot be filtered or ordered on.
type ComputedField struct {
	Name string
	// Type is the value's type as the schema shows it: field.String (the zero value), field.Integer, ...
	Type     field.Type
	Nullable bool
	HelpText string
}

// FieldDehydrateFunc is the signature of a Dehydrate<Field> method: the value the field shows on obj
// (already dehydrated by the implementation; other fields are readable with obj.Get).
type FieldDehydrateFunc = func(ctx context.Context, b *Bundle, obj *Object) (any, error)

// FieldHydrateFunc is the signature of a Hydrate<Field> method: it may read, change, add or delete
// b.Data[<field>] (absent from a PATCH that does not change the field), before Validate runs.
type FieldHydrateFunc = func(ctx context.Context, b *Bundle) error

type fieldDehydrate struct {
	name string
	fn   FieldDehydrateFunc
}

type fieldHydrate struct {
	name string
	fn   FieldHydrateFunc
}

// fieldHooks are a bound resource's per-field hooks, found after Link.
type fieldHooks struct {
	dehydrate []fieldDehydrate
	hydrate   []fieldHydrate
	computed  []string
}

// withFieldHooks makes the default Dehydrate and Hydrate run the resource's field hooks (found later,
// by bindFieldHooks): Dehydrate runs them before the implementation's default, Hydrate after it, as
// Tastypie's full_dehydrate and full_hydrate do around dehydrate() and hydrate(). It also gives
// Validate, AlterListData and AlterDetailData their defaults.
func withFieldHooks(r *Bound, d *Steps) {
	implDehydrate, implHydrate := d.Dehydrate, d.Hydrate
	d.Dehydrate = func(ctx context.Context, b *Bundle, obj *Object) error {
		for _, h := range r.hooks.dehydrate {
			v, err := h.fn(ctx, b, obj)
			if err != nil {
				return err
			}
			obj.Set(h.name, v)
		}
		return implDehydrate(ctx, b, obj)
	}
	d.Hydrate = func(ctx context.Context, b *Bundle) error {
		if err := implHydrate(ctx, b); err != nil {
			return err
		}
		for _, h := range r.hooks.hydrate {
			if err := h.fn(ctx, b); err != nil {
				return err
			}
		}
		for _, name := range r.hooks.computed {
			delete(b.Data, name)
		}
		return nil
	}
	if d.Validate == nil && (d.ObjCreate != nil || d.ObjUpdate != nil) {
		d.Validate = func(context.Context, *Bundle) error { return nil }
	}
	if d.AlterListData == nil {
		d.AlterListData = func(context.Context, *Bundle, *ListResult) error { return nil }
	}
	if d.AlterDetailData == nil {
		d.AlterDetailData = func(context.Context, *Bundle, *Object) error { return nil }
	}
}

var (
	fieldDehydrateType = reflect.TypeFor[FieldDehydrateFunc]()
	fieldHydrateType   = reflect.TypeFor[FieldHydrateFunc]()
)

// bindFieldHooks adds the Meta's computed fields to the resource's fields and finds its
// Dehydrate<Field> and Hydrate<Field> methods, refusing any that could not run: a name that is no
// field's, a wrong signature, a pointer receiver on a value, a Hydrate hook on a resource without
// writes, or a computed field without its Dehydrate method.
func (r *Bound) bindFieldHooks() error {
	r.hooks = fieldHooks{}
	for _, c := range r.Meta.Computed {
		if c.Name == "" || !resourceNameRe.MatchString(c.Name) {
			return fmt.Errorf("computed field %q (Meta.Computed) is not a field name (a-z, 0-9 and _)", c.Name)
		}
		if r.FieldNames()[c.Name] {
			return fmt.Errorf("computed field %q (Meta.Computed) is already a field of the resource", c.Name)
		}
		if c.Type < field.String || c.Type >= field.Related {
			return fmt.Errorf("computed field %q (Meta.Computed) has type %s; a computed field is a string, integer, float, boolean, date, datetime or json", c.Name, c.Type)
		}
		r.Binding.Fields = append(r.Binding.Fields, FieldSchema{Name: c.Name, Type: c.Type, Nullable: c.Nullable,
			ReadOnly: true, HelpText: c.HelpText})
		r.hooks.computed = append(r.hooks.computed, c.Name)
	}
	byNorm := map[string][]string{}
	for name := range r.FieldNames() {
		n := normalizeHookName(name)
		byNorm[n] = append(byNorm[n], name)
	}
	t := reflect.TypeOf(r.Self)
	v := reflect.ValueOf(r.Self)
	found := map[string]bool{}
	for _, kind := range []struct {
		prefix string
		want   reflect.Type
	}{{"Dehydrate", fieldDehydrateType}, {"Hydrate", fieldHydrateType}} {
		for _, name := range hookMethods(t, kind.prefix) {
			m, onValue := t.MethodByName(name)
			if !onValue {
				return fmt.Errorf("(*%s).%s cannot be a field hook: it has a pointer receiver, but the resource is registered as a %s value, whose methods do not include it; register a pointer (&%s{...}) or give %s a value receiver",
					t, name, t, t, name)
			}
			fields := byNorm[normalizeHookName(strings.TrimPrefix(name, kind.prefix))]
			switch len(fields) {
			case 0:
				return fmt.Errorf("%s.%s names no field of %q: a %s<Field> method is a per-field hook of one of its fields (%s)",
					typeName(t), name, r.Name, kind.prefix, strings.Join(sortedNames(r.FieldNames()), ", "))
			case 1:
			default:
				sort.Strings(fields)
				return fmt.Errorf("%s.%s could be the hook of several fields (%s); rename one of them", typeName(t), name, strings.Join(fields, ", "))
			}
			if got := methodFunc(m.Type); got != kind.want {
				return fmt.Errorf("%s.%s cannot be the %s hook of %q: it is %s; a %s<Field> method is %s",
					typeName(t), name, kind.prefix, fields[0], got, kind.prefix, kind.want)
			}
			fn := v.MethodByName(name).Interface()
			if kind.prefix == "Dehydrate" {
				r.hooks.dehydrate = append(r.hooks.dehydrate, fieldDehydrate{fields[0], fn.(FieldDehydrateFunc)})
				found[fields[0]] = true
				continue
			}
			if r.Steps.ObjCreate == nil && r.Steps.ObjUpdate == nil {
				return fmt.Errorf("%s.%s cannot hydrate %q: this resource offers no writes, so nothing would ever call it", typeName(t), name, fields[0])
			}
			r.hooks.hydrate = append(r.hooks.hydrate, fieldHydrate{fields[0], fn.(FieldHydrateFunc)})
		}
	}
	for _, c := range r.hooks.computed {
		if !found[c] {
			return fmt.Errorf("computed field %q (Meta.Computed) has no Dehydrate method on %s; add func (%s) Dehydrate%s(ctx context.Context, b *resource.Bundle, obj *resource.Object) (any, error)",
				c, typeName(t), typeName(t), goName(c))
		}
	}
	return nil
}

// hookMethods lists the methods of t, or of *t, named prefix + something, other than the steps.
func hookMethods(t reflect.Type, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if tt.Kind() == reflect.Pointer && tt.Elem().Kind() == reflect.Pointer {
			continue
		}
		for i := 0; i < tt.NumMethod(); i++ {
			name := tt.Method(i).Name
			if strings.HasPrefix(name, prefix) && name != prefix && !isStepName(name) && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// isStepName reports whether name is a step's (a method of that name is an override, not a hook).
func isStepName(name string) bool {
	for _, sp := range stepSpecs {
		if sp.name() == name {
			return true
		}
	}
	return false
}

// normalizeHookName is how hooks and fields are matched: lower case, without underscores.
func normalizeHookName(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// goName writes a field name in Go's style: campaign_id → CampaignId.
func goName(s string) string {
	var out strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part != "" {
			out.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return out.String()
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
