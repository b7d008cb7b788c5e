package modelresource

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// assignment is one column and the value a write gives it, already converted for the driver.
type assignment struct {
	col   *column
	value any
}

// writeMode says which fields a write must carry.
type writeMode int

const (
	modeCreate  writeMode = iota // POST: required fields must be present
	modeReplace                  // PUT: like POST; absent optional fields return to their default
	modePatch                    // PATCH: only the fields present change
)

// validate checks b.Data against the table before the database is touched: unknown fields, types,
// null, length and choices, and (for POST and PUT) required fields. It returns every problem at once,
// as VALIDATION_ERROR with details.fields mapping each field to its problem.
func (r *model) validate(b *resource.Bundle, mode writeMode) ([]assignment, error) {
	problems := map[string]string{}
	var out []assignment
	// A primary key the database does not generate (a code) is given by the client on POST; PUT and
	// PATCH take the key from the URL.
	readOnly := func(c *column) bool { return c.readOnly && !(mode == modeCreate && c.PrimaryKey && !c.HasDefault) }
	keys := make([]string, 0, len(b.Data))
	for k := range b.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		raw := b.Data[key]
		c, ok := r.byName[key]
		if m := r.m2m[key]; m != nil && !ok {
			// Replaced after the row is written (replaceMemberships); its form is checked here, with the rest.
			if _, err := r.parseMemberKeys(m, raw); err != nil {
				problems[key] = err.Error()
			}
			continue
		}
		if !ok {
			if r.shape.Index(key) >= 0 || r.isNested(key) { // resource_uri and query fields: read-only, ignored; relations: nestedOf
				continue
			}
			problems[key] = "is not a field of " + r.meta.ResourceName + " (fields: " + strings.Join(r.fieldNames(), ", ") + ")"
			continue
		}
		if readOnly(c) {
			continue
		}
		v, err := field.FromJSON(c.Type, raw)
		if err != nil {
			problems[key] = err.Error()
			continue
		}
		if msg := r.checkValue(c, v); msg != "" {
			problems[key] = msg
			continue
		}
		out = append(out, assignment{col: c, value: r.d.Bind(c.Type, v)})
	}
	if mode != modePatch {
		given := map[string]bool{}
		for _, a := range out {
			given[a.col.Name] = true
		}
		required := map[string]bool{}
		for _, f := range r.meta.RequiredFieldsForPost {
			required[f] = true
		}
		for i := range r.columns {
			c := &r.columns[i]
			if readOnly(c) || given[c.Name] || problems[c.Name] != "" || r.nestedGives(b.Data, c) {
				continue
			}
			def, hasDefault := parseDefault(c.Column)
			switch {
			case required[c.Name] || (!c.Nullable && !c.HasDefault):
				problems[c.Name] = "This field is required."
			case mode == modeReplace && hasDefault:
				out = append(out, assignment{col: c, value: r.d.Bind(c.Type, def)})
			case mode == modeReplace && c.Nullable && !c.HasDefault:
				out = append(out, assignment{col: c, value: nil})
			}
		}
	}
	if len(problems) > 0 {
		return nil, validationError(r.meta.ResourceName, problems)
	}
	return out, nil
}

// checkValue checks null, an integer's range, NUL characters, length and choices; it returns the
// problem or "".
func (r *model) checkValue(c *column, v any) string {
	if v == nil {
		if !c.Nullable {
			return "may not be null"
		}
		return ""
	}
	if n, ok := v.(int64); ok && c.MaxInt > 0 && (n > c.MaxInt || n < -c.MaxInt) {
		return field.RangeProblem(n, c.MaxInt)
	}
	if msg := boundsProblem(c, v); msg != "" {
		return msg
	}
	s, isString := v.(string)
	if !isString {
		return ""
	}
	if strings.IndexByte(s, 0) >= 0 { // PostgreSQL refuses NUL in text; SQLite would store it
		return "may not contain a NUL character"
	}
	if c.MaxLength > 0 && utf8.RuneCountInString(s) > c.MaxLength {
		return "is longer than " + strconv.Itoa(c.MaxLength) + " characters"
	}
	if len(c.choices) > 0 {
		for _, ch := range c.choices {
			if s == ch {
				return ""
			}
		}
		return "must be one of " + strings.Join(c.choices, ", ")
	}
	return ""
}

func validationError(name string, problems map[string]string) error {
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	fields := make(map[string]any, len(problems))
	for i, k := range keys {
		parts[i] = "'" + k + "' " + strings.TrimSuffix(strings.ToLower(problems[k][:1])+problems[k][1:], ".")
		if problems[k] == "This field is required." {
			parts[i] = "'" + k + "' is required"
		}
		fields[k] = problems[k]
	}
	return apierror.New(apierror.ValidationError, "Invalid data for %s: %s.", name, strings.Join(parts, "; ")).
		With("fields", fields)
}

// objCreate inserts b.Data in a transaction and returns the object as a GET shows it. With b.Key (a PUT
// to a key that does not exist, which objUpdate routes here) the row gets that key, and the body is
// read as PUT reads it: the key comes from the URL.
func (r *model) objCreate(ctx context.Context, b *resource.Bundle) (*resource.Object, error) {
	var key any // nil: the database gives the key (or the body, for a key it does not generate)
	mode := modeCreate
	if b.Key != "" {
		k, ok := r.parseKey(b.Key)
		if !ok {
			return nil, r.notFound(b.Key)
		}
		key, mode = k, modeReplace
	}
	if err := b.Resource.Authorization().CreateDetail(ctx, b, b.Data); err != nil {
		return nil, err
	}
	nested, err := r.nestedOf(b)
	if err != nil {
		return nil, err
	}
	values, err := r.validate(b, mode)
	if err != nil {
		return nil, err
	}
	var obj *resource.Object
	err = r.atomic(ctx, func(ctx context.Context) error {
		obj, err = r.writeWith(ctx, b, nested, values, func(ctx context.Context, values []assignment) (any, error) {
			return r.insert(ctx, values, key)
		})
		return err
	})
	return obj, err
}

// insert writes one row and returns its key; key, when not nil, is the key to give it (PUT).
func (r *model) insert(ctx context.Context, values []assignment, key any) (any, error) {
	now := r.d.Now()
	cols := make([]string, 0, len(values)+3)
	args := make([]any, 0, len(values)+3)
	if key != nil {
		cols, args = append(cols, r.d.Quote(r.pk.Name)), append(args, key)
	}
	for _, a := range values {
		cols, args = append(cols, r.d.Quote(a.col.Name)), append(args, a.value)
	}
	for _, c := range []*column{r.createdAt, r.updatedAt} {
		if c != nil {
			cols, args = append(cols, r.d.Quote(c.Name)), append(args, r.d.Bind(c.Type, now))
		}
	}
	// squirrel cannot build an INSERT without values: a row of defaults is written by hand.
	query, qargs := "INSERT INTO "+r.alias+" DEFAULT VALUES RETURNING "+r.d.Quote(r.pk.Name), []any(nil)
	if len(cols) > 0 {
		var err error
		query, qargs, err = r.d.Builder().Insert(r.alias).Columns(cols...).Values(args...).
			Suffix("RETURNING " + r.d.Quote(r.pk.Name)).ToSql()
		if err != nil {
			return nil, err
		}
	}
	var newKey cell
	newKey.t = r.pk.Type
	if err := r.querier(ctx).QueryRowContext(ctx, query, qargs...).Scan(&newKey); err != nil {
		return nil, r.writeConflict(ctx, err, values)
	}
	if key != nil && r.d.Name() == dialect.Postgres && r.pk.Type == field.Integer {
		// A key given by the client leaves an identity sequence behind; move it past the new key, forward
		// only: keys it handed to transactions not yet committed must never be handed out again.
		_, err := r.querier(ctx).ExecContext(ctx, `SELECT setval(s, $3) FROM (SELECT pg_get_serial_sequence($1, $2) AS s) AS q`+
			` WHERE s IS NOT NULL AND nextval(s) <= $3`, r.meta.Table, r.pk.Name, key)
		if err != nil {
			return nil, err
		}
	}
	return newKey.v, nil
}

// reread reads a just-written object back, as a following GET would show it.
func (r *model) reread(ctx context.Context, b *resource.Bundle, key any) (*resource.Object, error) {
	q, err := b.Resource.Steps.GetObjectList(ctx, &resource.Bundle{Resource: b.Resource, Method: "GET", Kind: resource.KindDetail, User: b.User})
	if err != nil {
		return nil, err
	}
	objs, err := r.fetch(ctx, q.Where(sq.Eq{r.pk.expr: key}), 1)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, r.notFound(r.keyText(key))
	}
	return objs[0], r.expand(ctx, b, objs, 0)
}

func (r *model) keyText(key any) string {
	if n, ok := key.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	s, _ := key.(string)
	return s
}

// objUpdate replaces (PUT) or partially updates (PATCH) the object b.Key; a PUT on a missing key creates
// it through the ObjCreate step, as Tastypie's obj_update does through obj_create, so that an ObjCreate
// override's checks and writes apply.
func (r *model) objUpdate(ctx context.Context, b *resource.Bundle) (*resource.Object, bool, error) {
	key, ok := r.parseKey(b.Key)
	if !ok {
		return nil, false, r.notFound(b.Key)
	}
	mode := modeReplace
	if b.Partial {
		mode = modePatch
	}
	nested, err := r.nestedOf(b)
	if err != nil {
		return nil, false, err
	}
	values, err := r.validate(b, mode)
	if err != nil {
		return nil, false, err
	}
	var obj *resource.Object
	created := false
	err = r.atomic(ctx, func(ctx context.Context) error {
		existing, err := b.Resource.Steps.ObjGet(ctx, &resource.Bundle{Resource: b.Resource, Method: "GET", Kind: resource.KindDetail, Key: b.Key, User: b.User, Query: b.Query})
		if apierror.CodeOf(err) == apierror.ObjectDoesNotExist && !b.Partial {
			// PUT creates only a key that does not exist at all: one the user may not see stays a 404,
			// so that its existence is not revealed by a conflict.
			if taken, err := r.keyTaken(ctx, key); err != nil || taken {
				if err == nil {
					err = r.notFound(b.Key)
				}
				return err
			}
			created = true
			obj, err = b.Resource.Steps.ObjCreate(ctx, b)
			return err
		}
		if err != nil {
			return err
		}
		if err := b.Resource.Authorization().UpdateDetail(ctx, b, existing); err != nil {
			return err
		}
		obj, err = r.writeWith(ctx, b, nested, values, func(ctx context.Context, values []assignment) (any, error) {
			return key, r.update(ctx, b, key, values)
		})
		return err
	})
	return obj, created, err
}

// keyTaken reports whether a row has the key, whoever may see it.
func (r *model) keyTaken(ctx context.Context, key any) (bool, error) {
	query, args, err := r.d.Builder().Select("1").From(r.alias).Where(sq.Eq{r.pk.expr: key}).ToSql()
	if err != nil {
		return false, err
	}
	rows, err := r.querier(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}

func (r *model) update(ctx context.Context, b *resource.Bundle, key any, values []assignment) error {
	q := r.d.Builder().Update(r.alias).Where(sq.Eq{r.pk.expr: key})
	for _, a := range values {
		q = q.Set(r.d.Quote(a.col.Name), a.value)
	}
	if r.updatedAt != nil {
		q = q.Set(r.d.Quote(r.updatedAt.Name), r.d.Bind(r.updatedAt.Type, r.d.Now()))
	}
	if len(values) == 0 && r.updatedAt == nil {
		return nil
	}
	cond, err := b.Resource.Authorization().UpdateList(ctx, b)
	if err != nil {
		return err
	}
	if cond != nil {
		q = q.Where(cond)
	}
	return r.execOne(ctx, q, r.keyText(key), func(err error) error { return r.writeConflict(ctx, err, values) })
}

// execOne runs an UPDATE or DELETE of the row with a key; when no row is affected (it is gone, or the
// authorization condition hides it) the answer is a 404. classify turns the statement's error into
// the answer (writeConflict, deleteConflict).
func (r *model) execOne(ctx context.Context, stmt sq.Sqlizer, key string, classify func(error) error) error {
	query, args, err := stmt.ToSql()
	if err != nil {
		return err
	}
	res, err := r.querier(ctx).ExecContext(ctx, query, args...)
	if err != nil {
		return classify(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return r.notFound(key)
	}
	return nil
}

// filteredWrite is the query of a write on the list: the request's filters, of which there must be at
// least one (refusal is the message, naming the resource), on GetObjectList and ApplyFilters, narrowed
// by the authorization conditions given.
func (r *model) filteredWrite(ctx context.Context, b *resource.Bundle, refusal string, narrow ...func(context.Context, *resource.Bundle) (sq.Sqlizer, error)) (sq.SelectBuilder, error) {
	s := b.Resource.Steps
	if err := s.ValidateFilters(ctx, b); err != nil {
		return sq.SelectBuilder{}, err
	}
	fs, err := s.BuildFilters(ctx, b)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	if len(fs) == 0 {
		return sq.SelectBuilder{}, apierror.New(apierror.MissingParameter, refusal, r.meta.ResourceName).With("parameter", "filter")
	}
	b.Filters = fs
	q, err := s.GetObjectList(ctx, b)
	if err != nil {
		return q, err
	}
	if q, err = s.ApplyFilters(ctx, b, q, fs); err != nil {
		return q, err
	}
	for _, condition := range narrow {
		cond, err := condition(ctx, b)
		if err != nil {
			return q, err
		}
		if cond != nil {
			q = q.Where(cond)
		}
	}
	return q, nil
}

// parseDefault reads a column's declared default when it is a plain literal (a quoted string, a number,
// true or false, with or without a PostgreSQL cast); an expression (CURRENT_TIMESTAMP, nextval(...))
// is not a value a client can be shown, and reports false.
func parseDefault(c dialect.Column) (any, bool) {
	if !c.HasDefault || c.Default == "" {
		return nil, false
	}
	s := strings.TrimSpace(c.Default)
	if i := strings.Index(s, "::"); i > 0 && strings.HasPrefix(s, "'") {
		s = s[:i]
	}
	if strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'") && len(s) >= 2 {
		text := strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		if c.Type == field.JSON {
			return text, true
		}
		v, err := field.ParseText(c.Type, text)
		return v, err == nil
	}
	switch strings.ToLower(s) {
	case "true":
		return true, c.Type == field.Boolean
	case "false":
		return false, c.Type == field.Boolean
	}
	v, err := field.ParseText(c.Type, s)
	if err != nil || c.Type == field.String {
		return nil, false
	}
	return v, true
}

// updateChunk bounds the keys of one UPDATE of a PATCH on the list.
const updateChunk = 500

// objUpdateList applies b.Data, a partial object, to every row the request's filters match, and
// returns how many. It refuses without any filter, as DELETE does. The rows are those the user may
// read and update; a change that would move a row out of what the user may read (say, to a location
// outside their region) is refused as a whole with 403.
func (r *model) objUpdateList(ctx context.Context, b *resource.Bundle) (int64, error) {
	authz := b.Resource.Authorization()
	q, err := r.filteredWrite(ctx, b, "PATCH on the %s list needs at least one filter; it never changes everything.", authz.ReadList, authz.UpdateList)
	if err != nil {
		return 0, err
	}
	if err := b.Resource.Steps.Hydrate(ctx, b); err != nil {
		return 0, err
	}
	if err := r.refuseNested(b); err != nil {
		return 0, err
	}
	values, err := r.validate(b, modePatch)
	if err != nil {
		return 0, err
	}
	if len(values) == 0 && !r.givesMemberships(b.Data) {
		return 0, apierror.New(apierror.ValidationError, "The body names no field to change.").With("fields", map[string]any{})
	}
	if b.Resource.OneByOne("ObjUpdateList") {
		return r.updateEach(ctx, b, q)
	}
	readable, err := authz.ReadList(ctx, b)
	if err != nil {
		return 0, err
	}
	var n int64
	err = r.atomic(ctx, func(ctx context.Context) error {
		keys, err := r.keys(ctx, q)
		if err != nil {
			return err
		}
		for start := 0; start < len(keys); start += updateChunk {
			chunk := keys[start:min(start+updateChunk, len(keys))]
			if err := r.replaceMemberships(ctx, b, b.Data, chunk); err != nil {
				return err
			}
			if len(values) == 0 && r.updatedAt == nil {
				continue // only memberships change
			}
			upd := r.d.Builder().Update(r.alias).Where(sq.Eq{r.pk.expr: chunk})
			for _, a := range values {
				upd = upd.Set(r.d.Quote(a.col.Name), a.value)
			}
			if r.updatedAt != nil {
				upd = upd.Set(r.d.Quote(r.updatedAt.Name), r.d.Bind(r.updatedAt.Type, r.d.Now()))
			}
			query, args, err := upd.ToSql()
			if err != nil {
				return err
			}
			if _, err := r.querier(ctx).ExecContext(ctx, query, args...); err != nil {
				return r.writeConflict(ctx, err, values)
			}
			if readable != nil {
				if err := r.stillReadable(ctx, chunk, readable); err != nil {
					return err
				}
			}
		}
		n = int64(len(keys))
		return nil
	})
	return n, err
}

// updateEach applies a PATCH with filters to every object q selects through the ObjUpdate step, one by
// one, in one transaction, as a PATCH of each object would: the override runs for each (and the
// default's ObjGet and UpdateDetail with it); the first failure rolls everything back. b.Data has
// been hydrated and validated once already; each object gets its own copy.
func (r *model) updateEach(ctx context.Context, b *resource.Bundle, q sq.SelectBuilder) (int64, error) {
	var n int64
	err := r.atomic(ctx, func(ctx context.Context) error {
		keys, err := r.keys(ctx, q.OrderBy(r.pk.expr))
		if err != nil {
			return err
		}
		for _, k := range keys {
			one := &resource.Bundle{Resource: b.Resource, Request: b.Request, Method: b.Method, Kind: resource.KindDetail,
				Key: r.keyText(k), User: b.User, RequestID: b.RequestID, Query: map[string][]string{},
				Partial: true, Data: maps.Clone(b.Data)}
			if _, _, err := b.Resource.Steps.ObjUpdate(ctx, one); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// keys runs a query for the primary keys of what it selects.
func (r *model) keys(ctx context.Context, q sq.SelectBuilder) ([]any, error) {
	query, args, err := q.RemoveColumns().Columns(r.pk.expr).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := r.querier(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []any
	for rows.Next() {
		k := cell{t: r.pk.Type}
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k.v)
	}
	return keys, rows.Err()
}

// stillReadable refuses a change that moved rows out of what the user may read.
func (r *model) stillReadable(ctx context.Context, keys []any, readable sq.Sqlizer) error {
	query, args, err := r.d.Builder().Select("count(*)").From(r.alias).Where(sq.Eq{r.pk.expr: keys}).Where(readable).ToSql()
	if err != nil {
		return err
	}
	var n int
	if err := r.querier(ctx).QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return err
	}
	if n != len(keys) {
		return apierror.New(apierror.Forbidden, "The change would move %d %s object(s) out of what you may see.", len(keys)-n, r.meta.ResourceName)
	}
	return nil
}

// boundsProblem checks a number against Meta.FieldOptions' MinValue and MaxValue (a CHECK
// constraint's bounds); it returns the problem or "".
func boundsProblem(c *column, v any) string {
	if c.min == nil && c.max == nil {
		return ""
	}
	var x float64
	switch n := v.(type) {
	case int64:
		x = float64(n)
	case float64:
		x = n
	default:
		return ""
	}
	if (c.min != nil && x < float64(*c.min)) || (c.max != nil && x > float64(*c.max)) {
		switch {
		case c.min != nil && c.max != nil:
			return fmt.Sprintf("must be between %d and %d", *c.min, *c.max)
		case c.min != nil:
			return fmt.Sprintf("must be at least %d", *c.min)
		}
		return fmt.Sprintf("must be at most %d", *c.max)
	}
	return ""
}
