package modelresource

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
)

// A unique or foreign-key violation is answered 409 CONFLICT naming the fields involved, the same on
// both backends, and nothing of the database's own names (constraints, indexes, other tables):
//
//	{"code": "CONFLICT", "error": "An author with this name already exists.",
//	 "details": {"fields": {"name": "An author with this name already exists."}}}
//
// The dialect reports what the database said (dialect.Violation); the table description read when the
// API was built turns PostgreSQL's constraint names into columns, and SQLite names a unique
// violation's columns itself. SQLite does not say which foreign key failed: the written values are
// looked up instead, in the write's transaction, which a failed statement leaves usable on SQLite.

// writeConflict names the fields of a unique or foreign-key violation on this resource's table, when
// it can tell them, in the (classified) error of an INSERT or UPDATE that wrote values.
func (r *model) writeConflict(ctx context.Context, err error, values []assignment) error {
	v, ok := dialect.ViolationOf(err)
	if !ok || apierror.CodeOf(err) != apierror.Conflict || (v.Table != "" && v.Table != r.meta.Table) {
		return err
	}
	switch v.Kind {
	case dialect.UniqueViolation:
		cols := v.Columns
		if v.Constraint != "" {
			cols, _ = r.table.UniqueNamed(v.Constraint)
		}
		if len(cols) == 0 || !r.areFields(cols) {
			return err
		}
		msg := fmt.Sprintf("%s with this %s already exists.", article(r.meta.ResourceName), joinAnd(cols))
		return r.fieldsConflict(err, msg, cols, func(string) string { return msg })
	case dialect.ForeignKeyViolation:
		cols, known := r.table.ForeignKeyNamed(v.Constraint)
		if !known {
			cols = r.missingReferences(ctx, values)
		}
		if len(cols) == 0 || !r.areFields(cols) {
			return err
		}
		problem := func(col string) string {
			rel := r.relations[r.byName[col].relation]
			val := valueOf(values, col)
			if rel == nil || val == nil {
				return "It refers to an object that does not exist."
			}
			return fmt.Sprintf("There is no %s with key %v.", rel.to, val)
		}
		msg := problem(cols[0])
		if len(cols) == 1 {
			msg = cols[0] + ": " + strings.ToLower(msg[:1]) + msg[1:]
		}
		return r.fieldsConflict(err, msg, cols, problem)
	}
	return err
}

// deleteConflict explains the (classified) error of a DELETE: a foreign-key violation there means
// that other rows still refer to a row being deleted.
func (r *model) deleteConflict(err error) error {
	v, ok := dialect.ViolationOf(err)
	if !ok || v.Kind != dialect.ForeignKeyViolation || apierror.CodeOf(err) != apierror.Conflict {
		return err
	}
	return apierror.New(apierror.Conflict, "%s you are deleting is still referred to by other objects; delete or change them first.", article(r.meta.ResourceName)).
		Wrap(v).With("resource", r.meta.ResourceName)
}

// fieldsConflict is the CONFLICT answer naming fields, each with its problem, keeping the cause.
func (r *model) fieldsConflict(cause error, msg string, cols []string, problem func(string) string) error {
	fields := make(map[string]any, len(cols))
	for _, c := range cols {
		fields[c] = problem(c)
	}
	v, _ := dialect.ViolationOf(cause)
	return apierror.New(apierror.Conflict, "%s", msg).Wrap(v).With("fields", fields)
}

// missingReferences looks up, in the write's transaction, the values written to foreign-key columns
// with a relation, and returns the columns whose value refers to no row (SQLite, which does not say).
func (r *model) missingReferences(ctx context.Context, values []assignment) []string {
	var out []string
	for _, a := range values {
		rel := r.relations[a.col.relation]
		if rel == nil || rel.target == nil || a.value == nil {
			continue
		}
		query, args, err := r.d.Builder().Select("count(*)").From(rel.target.alias).
			Where(rel.target.pk.expr+" = ?", a.value).ToSql()
		if err != nil {
			continue
		}
		var n int
		if err := r.querier(ctx).QueryRowContext(ctx, query, args...).Scan(&n); err == nil && n == 0 {
			out = append(out, a.col.Name)
		}
	}
	return out
}

// areFields reports whether every column is a field of the resource, so that naming them shows
// nothing the resource hides.
func (r *model) areFields(cols []string) bool {
	for _, c := range cols {
		if r.byName[c] == nil {
			return false
		}
	}
	return true
}

// valueOf is the value a write gave a column, nil when it gave none.
func valueOf(values []assignment, col string) any {
	i := slices.IndexFunc(values, func(a assignment) bool { return a.col.Name == col })
	if i < 0 {
		return nil
	}
	return values[i].value
}

// article puts "A" or "An" before a resource's name.
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "An " + name
	}
	return "A " + name
}

// joinAnd lists names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
