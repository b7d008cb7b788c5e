// Package filters turns Tastypie-style query parameters into typed conditions and then into SQL.
//
// It is pure: no HTTP and no database. A resource hands it the request's query values and an
// allow-list; it hands back typed values and squirrel Sqlizers whose SQL text is built only from the
// allow-list's trusted column expressions, fixed operators and placeholders. User text only ever
// travels as bound arguments.
//
// # Filtering
//
// A filter is a query parameter "field=value" or "field__lookup=value", and across relations
// "rel__field__lookup=value" (see API.md, "Filtering"). [Parse] splits each key on "__", asks a
// [Resolver] (the allow-list, usually the model resource) for the [Field] the path names, checks the
// [Lookup] against the field's allowed lookups, and parses the value with the field's type
// ([field.ParseText]). [Where] compiles the result for a [dialect.Dialect]; [Joins] lists the relation
// paths the caller must join.
//
//	fs, err := filters.Parse(r.URL.Query(), resource, filters.Reserved("campaign_id"))
//	where, err := filters.Where(fs, d)
//	sql, args, err := d.Builder().Select("*").From(table).Where(where).ToSql()
//
// # Ordering
//
// [ParseOrder] reads the order_by values against an [OrderResolver]; [OrderBy] renders the terms with
// NULLs last ascending and first descending on every backend.
//
// # Errors
//
// Every error a client can cause is an *[apierror.Error]: INVALID_FILTER for a field or lookup the
// resource does not allow, INVALID_VALUE for a value that does not parse, INVALID_ORDERING for order_by,
// each with details.parameter naming the query parameter. Errors from [Where] and [OrderBy] inputs that
// no client can cause (a hand-built [Filter] with a lookup its type cannot take) are plain errors: bugs.
package filters
