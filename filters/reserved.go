package filters

import "slices"

// The query parameters every list reserves (API.md): they steer the answer and are never filters.
// [OrderParam], order_by, is one of them. This is the one list of them: [IsReserved],
// [ReservedParams] and [Reserved] read it, and so does the resource package.
const (
	LimitParam       = "limit"  // the page size
	OffsetParam      = "offset" // the rows skipped
	FieldsParam      = "fields" // only these fields
	DepthParam       = "depth"  // relations expanded this many levels
	FormatParam      = "format" // json or csv
	CacheBusterParam = "_"      // jQuery's cache buster, ignored
)

// reservedNames are the parameters every list reserves, in API.md's order.
var reservedNames = [...]string{LimitParam, OffsetParam, OrderParam, FieldsParam, DepthParam, FormatParam, CacheBusterParam}

// ReservedParams returns the parameters every list reserves: limit, offset, order_by, fields,
// depth, format and the cache buster "_".
func ReservedParams() []string { return slices.Clone(reservedNames[:]) }

// IsReserved reports whether name is one of the parameters every list reserves ([ReservedParams]).
func IsReserved(name string) bool { return slices.Contains(reservedNames[:], name) }

// Reserved returns a predicate for [Parse]: true for the parameters every list reserves
// ([ReservedParams]) and for extra, the parameters a resource declares for its own hooks.
func Reserved(extra ...string) func(string) bool {
	names := make(map[string]bool, len(reservedNames)+len(extra))
	for _, n := range reservedNames {
		names[n] = true
	}
	for _, n := range extra {
		names[n] = true
	}
	return func(name string) bool { return names[name] }
}
