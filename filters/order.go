package filters

import (
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
)

// OrderParam is the query parameter [ParseOrder] reads, named in its errors' details.parameter.
const OrderParam = "order_by"

// Order is one order_by term.
type Order struct {
	// Param is the term as given, such as "-name".
	Param string
	// Field is what the term's path resolved to.
	Field Field
	// Desc is true for a term with a leading "-".
	Desc bool
}

// OrderResolver is the allow-list for order_by: it maps a path of names (relation hops, then a field)
// to a [Field], or returns an *[apierror.Error] with code INVALID_ORDERING such as
// "The 'x' field does not allow ordering. Allowed: id, name." [ParseOrder] adds details.parameter.
type OrderResolver interface {
	ResolveOrder(path []string) (Field, error)
}

// ParseOrder reads the values of the repeated order_by parameter, each of which may also hold several
// comma-separated terms; spaces around a term are ignored. A term is a path ("name",
// "campaign__name"), optionally after one "-" for descending order. Errors are *[apierror.Error] with
// code INVALID_ORDERING and details.parameter "order_by" and details.value the term: an empty term, a
// bare "-", a path the resolver refuses (its message, or a generic one when it returns another kind
// of error), or a field named a second time ("id" and "-id" name the same field): a repeated term
// could only be ignored or contradict the first, so it is refused, and the terms are bounded by the
// fields a resource lets clients order by.
func ParseOrder(values []string, r OrderResolver) ([]Order, error) {
	return ParseOrderOf(OrderParam, values, r)
}

// ParseOrderOf is [ParseOrder] for terms given by the query parameter param (Django REST framework's
// "ordering"), which its errors name in their messages and details.parameter.
func ParseOrderOf(param string, values []string, r OrderResolver) ([]Order, error) {
	var os []Order
	seen := map[string]bool{}
	for _, v := range values {
		for _, term := range strings.Split(v, ",") {
			o, err := parseTerm(param, strings.TrimSpace(term), r)
			if err != nil {
				return nil, err
			}
			if seen[o.Field.Param] {
				return nil, apierror.New(apierror.InvalidOrdering, "%s names the '%s' field more than once.", param, o.Field.Param).
					With("parameter", param).With("value", o.Param)
			}
			seen[o.Field.Param] = true
			os = append(os, o)
		}
	}
	return os, nil
}

func parseTerm(param, term string, r OrderResolver) (Order, error) {
	name, desc := strings.CutPrefix(term, "-")
	if name == "" {
		msg := "An " + param + " value may not be empty."
		if desc {
			msg = "The " + param + " value '-' names no field."
		}
		return Order{}, apierror.New(apierror.InvalidOrdering, "%s", msg).
			With("parameter", param).With("value", term)
	}
	path := strings.Split(name, Sep)
	f, err := r.ResolveOrder(path)
	if err != nil {
		e := apierror.As(err)
		if e == nil {
			e = apierror.New(apierror.InvalidOrdering, "The '%s' field does not allow ordering.", name).Wrap(err)
		}
		return Order{}, e.With("parameter", param).With("value", term)
	}
	f.Param = name
	return Order{Param: term, Field: f, Desc: desc}, nil
}

// OrderBy returns the ORDER BY terms for os through [dialect.Dialect.OrderBy]: NULLs last ascending
// and first descending on every backend. The caller appends the primary key as the last tie-breaker.
func OrderBy(os []Order, d dialect.Dialect) []string {
	terms := make([]string, len(os))
	for i, o := range os {
		terms[i] = d.OrderBy(o.Field.Column, o.Desc)
	}
	return terms
}

// OrderJoins returns the relation paths os need joined, as [Joins] does for filters.
func OrderJoins(os []Order) [][]string {
	paths := make([][]string, 0, len(os))
	for _, o := range os {
		paths = append(paths, o.Field.Path)
	}
	return JoinPaths(paths...)
}
