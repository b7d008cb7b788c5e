package filters

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// StaticFields is a map-backed allow-list for one-level paths, keyed by field name: a [Resolver] for
// filters and an [OrderResolver] for ordering, for tests and simple resources. A Field's empty Name
// is filled with its key; Column must be set; a Field may still carry a Path when its Column belongs
// to a joined table. Use two maps when filtering and ordering allow different fields.
type StaticFields map[string]Field

var (
	_ Resolver      = StaticFields(nil)
	_ OrderResolver = StaticFields(nil)
)

// Names returns the field names, sorted.
func (s StaticFields) Names() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Resolve returns the field path names, or an INVALID_FILTER error: "The 'nmae' field does not allow
// filtering. Allowed: id, name." (details.allowed lists the names) for an unknown name, "The 'id'
// field does not support relations." for a known name followed by more hops.
func (s StaticFields) Resolve(path []string) (Field, error) {
	return s.lookup(path, apierror.InvalidFilter, "filtering")
}

// ResolveOrder is [StaticFields.Resolve] for ordering: its errors have the code INVALID_ORDERING and
// say "does not allow ordering".
func (s StaticFields) ResolveOrder(path []string) (Field, error) {
	return s.lookup(path, apierror.InvalidOrdering, "ordering")
}

func (s StaticFields) lookup(path []string, code apierror.Code, what string) (Field, error) {
	var name string
	if len(path) > 0 {
		name = path[0]
	}
	f, ok := s[name]
	if !ok {
		names := s.Names()
		msg := fmt.Sprintf("The '%s' field does not allow %s.", name, what)
		if len(names) > 0 {
			msg = fmt.Sprintf("The '%s' field does not allow %s. Allowed: %s.", name, what, strings.Join(names, ", "))
		}
		return Field{}, (&apierror.Error{Code: code, Message: msg}).With("allowed", names)
	}
	if len(path) > 1 {
		return Field{}, apierror.New(code, "The '%s' field does not support relations.", name)
	}
	if f.Name == "" {
		f.Name = name
	}
	f.Param = name
	f.Path = slices.Clone(f.Path)
	f.Lookups = slices.Clone(f.Lookups)
	return f, nil
}
