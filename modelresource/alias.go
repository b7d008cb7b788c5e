package modelresource

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/filters"
	"github.com/tastygo/tastygo/resource"
)

// Filter aliases (Meta.FilterAliases): a second public name for a field's filters.

// unalias returns the field a filter name stands for: the target of an alias, or the name itself.
func (r *model) unalias(name string) string {
	if target, ok := r.meta.FilterAliases[name]; ok {
		return target
	}
	return name
}

// checkFilterAliases checks Meta.FilterAliases when the API is built: each alias is a plain name,
// taken by no field, relation or reserved parameter, and names a field or a relation
// of the resource; Meta.Filtering lists fields, not their aliases.
func (r *model) checkFilterAliases() error {
	aliases := make([]string, 0, len(r.meta.FilterAliases))
	for a := range r.meta.FilterAliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, alias := range aliases {
		target := r.meta.FilterAliases[alias]
		switch {
		case alias == "" || alias == resource.EveryField || strings.Contains(alias, filters.Sep):
			return fmt.Errorf("Meta.FilterAliases[%q]: an alias is a plain name, without %q", alias, filters.Sep)
		case r.isFilterName(alias) || r.toMany[alias] != nil:
			return fmt.Errorf("Meta.FilterAliases[%q]: the name is already a field or relation of %q", alias, r.meta.ResourceName)
		case filters.IsReserved(alias) || slices.Contains(r.meta.ExtraParams, alias):
			return fmt.Errorf("Meta.FilterAliases[%q]: the name is a reserved parameter (%s) or one of Meta.ExtraParams", alias, strings.Join(filters.ReservedParams(), ", "))
		case !r.isFilterName(target):
			return fmt.Errorf("Meta.FilterAliases[%q]: %q is not a field or relation of %q (fields: %s)", alias, target, r.meta.ResourceName, strings.Join(r.fieldNames(), ", "))
		}
		if _, listed := r.meta.Filtering[alias]; listed {
			return fmt.Errorf("Meta.Filtering: %q is an alias of %q (Meta.FilterAliases): list the field", alias, target)
		}
	}
	return nil
}

// isFilterName reports whether a name is a field a filter may name: a column or a relation.
func (r *model) isFilterName(name string) bool {
	_, isCol := r.byName[name]
	return isCol || r.relations[name] != nil || r.m2m[name] != nil
}
