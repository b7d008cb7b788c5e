package modelresource

// Nested writes: a POST, PUT or PATCH body that gives, besides columns, the resource's relations.
//
// A to-one relation, by its name ("jar" on cookie):
//   - an object without a key is created first, through the related resource's own Hydrate and
//     ObjCreate (so its validation, authorization and overrides apply), and its key is written to the
//     foreign key;
//   - an object with a key (its primary-key field or its resource_uri) links that object and, when it
//     carries other fields, updates it as a PATCH of the related resource would;
//   - a bare key or a resource_uri string links that object; null sets the foreign key to null.
//
// A to-many relation declared in Meta.ToMany ("cookies" on jar), an array written after the parent's
// row, each item with its foreign key set to the parent: an object without a key is created; an object
// with a key, a bare key or a resource_uri is linked (moved from whatever parent it had) and updated
// with the item's other fields. Items the array does not list are left alone, on PUT too: Tastypie's
// clear-and-re-add belongs to many-to-many tables (Meta.ManyToMany, m2m.go, does it); for a foreign key it would mean deleting, or leaving
// without parent, objects the request never named.
//
// Everything runs in the parent's transaction, so any failure (validation, a conflict, authorization,
// a missing key) rolls all of it back. The error names where it happened, in the message
// ("cookies[1]: ...") and in details.path; a VALIDATION_ERROR's details.fields are keyed by full path
// ("cookies[1].flavour").
//
// A body that contradicts itself is a 422 CONTRADICTORY_REQUEST, never a silent choice of one side: a
// to-one relation given with its foreign-key column holding another key (or a new object together
// with the column at all); a to-many item naming another parent by the foreign key or by the relation
// back ("jar_id": 2 or "jar": {a new jar} in an item nested under jar 1); an object whose primary-key
// field and resource_uri disagree.
//
// A key that does not exist, or that the user may not read, is a 400 VALIDATION_ERROR naming the path,
// not a 404: the object of the URL exists and the problem is in the body (Tastypie's "Could not find
// the provided object via resource URI"), and a hidden object is told apart from a missing one no more
// than on a GET. A nested key is never created implicitly.
//
// The framework writes only the side a request names. A nested one-to-one ("spouse" on person, a unique
// self-reference) sets the written row's foreign key; the other row's own foreign key back is not
// touched, because a unique self-reference need not be symmetric (a successor is not) and nothing tells
// the framework that this one is. An application that keeps both sides sets the other one in an
// ObjCreate or ObjUpdate override, through DB(ctx) inside Atomic, in the same transaction.
//
// The answer is the parent as a following GET shows it, with each relation the body wrote expanded one
// level, so that the client sees the keys created: a to-one relation as depth=1 shows it; a to-many
// relation as the objects of the body's array, in its order (item i of the answer is item i of the
// request), not every object of the parent, which may be many (GET /<name>/<key>/<relation>/ lists
// them). A relation in Meta.Full keeps what a GET shows, every object.

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/resource"
)

// nestedWrite is what a body gives for the resource's relations, read before anything is written.
// A nil *nestedWrite is a body without any, and its methods do nothing.
type nestedWrite struct {
	r      *model
	b      *resource.Bundle
	toOne  []*nestedOne
	toMany []*nestedMany
}

// nestedOne is the value given for a to-one relation.
type nestedOne struct {
	rel  *relation
	null bool           // null: the foreign key is set to null
	data map[string]any // an object's fields; nil for a bare key or URI
	key  string         // the key named; "" for a new object
}

// nestedMany is the array given for a to-many relation.
type nestedMany struct {
	tm      *toMany
	items   []nestedItem
	written []any // the keys of the items, once written
}

// nestedItem is one item of a to-many array.
type nestedItem struct {
	data   map[string]any // the item's fields; nil for a bare key or URI
	key    string         // the key named; "" for a new object
	claims []parentClaim  // what the item itself says its parent is
}

// parentClaim is a to-many item naming its parent itself, by the foreign key or the relation back.
type parentClaim struct {
	field string // "jar_id" or "jar"
	key   any    // the parent's key it names, typed; nil for null
}

// isNested reports whether a body key names a relation (to-one or to-many) rather than a column.
func (r *model) isNested(key string) bool {
	if _, isColumn := r.byName[key]; isColumn {
		return false
	}
	return r.relations[key] != nil || r.toMany[key] != nil
}

// nestedGives reports whether the body gives c, a foreign-key column, through its relation instead.
func (r *model) nestedGives(data map[string]any, c *column) bool {
	if c.relation == "" || !r.isNested(c.relation) {
		return false
	}
	_, ok := data[c.relation]
	return ok
}

// nestedOf reads the relations b.Data gives and checks what can be checked before writing: the shape of
// each value, the keys it names, and contradictions within the body. It returns nil when there are none.
func (r *model) nestedOf(b *resource.Bundle) (*nestedWrite, error) {
	var n *nestedWrite
	for _, name := range slices.Sorted(maps.Keys(b.Data)) {
		if !r.isNested(name) {
			continue
		}
		if n == nil {
			n = &nestedWrite{r: r, b: b}
		}
		if rel := r.relations[name]; rel != nil {
			one, err := r.parseToOne(b.Data, rel)
			if err != nil {
				return nil, err
			}
			n.toOne = append(n.toOne, one)
			continue
		}
		many, err := r.parseToMany(r.toMany[name], b.Data[name])
		if err != nil {
			return nil, err
		}
		n.toMany = append(n.toMany, many)
	}
	return n, nil
}

func (r *model) parseToOne(data map[string]any, rel *relation) (*nestedOne, error) {
	path := rel.name
	if rel.column.readOnly {
		return nil, problemAt(path, "Cannot be written: its foreign key "+rel.column.Name+" is read-only.")
	}
	one := &nestedOne{rel: rel}
	var err error
	switch v := data[rel.name].(type) {
	case nil:
		if !rel.column.Nullable {
			return nil, problemAt(path, "May not be null.")
		}
		one.null = true
	case map[string]any:
		one.data = v
		one.key, err = objectKey(rel.bound, rel.target, v, path)
	default:
		one.key, err = refKey(rel.bound, rel.target, v, path)
	}
	if err != nil {
		return nil, err
	}
	if fk, given := data[rel.column.Name]; given {
		return one, one.agreesWith(fk)
	}
	return one, nil
}

// agreesWith checks the relation's value against its foreign-key column, given too in the body.
func (one *nestedOne) agreesWith(fk any) error {
	col, rel := one.rel.column, one.rel
	v, err := field.FromJSON(col.Type, fk)
	if err != nil {
		return nil // validate reports the column's own problem
	}
	switch {
	case one.null && v == nil:
		return nil
	case one.key != "" && v != nil && rel.target.sameKey(v, one.key):
		return nil
	}
	colText := "null"
	if v != nil {
		colText = rel.target.keyText(v)
	}
	return contradiction(rel.name, "%q names %s but %q is %s; give one of them.", rel.name, one.describe(), col.Name, colText)
}

// describe says what a to-one value names, for messages.
func (one *nestedOne) describe() string {
	switch {
	case one.null:
		return "no " + one.rel.to
	case one.key == "":
		return "a new " + one.rel.to
	}
	return one.rel.to + " " + one.key
}

func (r *model) parseToMany(tm *toMany, raw any) (*nestedMany, error) {
	path := tm.name
	if tm.fk.readOnly {
		return nil, problemAt(path, "Cannot be written: the foreign key "+tm.fk.Name+" of "+tm.to+" is read-only.")
	}
	list, ok := raw.([]any)
	if ms, isMaps := raw.([]map[string]any); isMaps { // an in-process caller's value
		ok, list = true, make([]any, len(ms))
		for i, m := range ms {
			list[i] = m
		}
	}
	if !ok {
		return nil, problemAt(path, "Must be an array of objects, keys or resource URIs of "+tm.to+".")
	}
	many := &nestedMany{tm: tm}
	for i, v := range list {
		item, err := r.parseItem(tm, v, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		many.items = append(many.items, item)
	}
	return many, nil
}

// parseItem reads one to-many item: its key, and whatever it says itself about its parent.
func (r *model) parseItem(tm *toMany, v any, path string) (nestedItem, error) {
	obj, isObject := v.(map[string]any)
	if !isObject {
		key, err := refKey(tm.bound, tm.target, v, path)
		return nestedItem{key: key}, err
	}
	key, err := objectKey(tm.bound, tm.target, obj, path)
	if err != nil {
		return nestedItem{}, err
	}
	item := nestedItem{data: obj, key: key}
	if fk, ok := obj[tm.fk.Name]; ok {
		k, err := field.FromJSON(tm.fk.Type, fk)
		if err != nil {
			return nestedItem{}, problemAt(path+"."+tm.fk.Name, strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
		}
		item.claims = append(item.claims, parentClaim{field: tm.fk.Name, key: k})
	}
	if back, ok := obj[tm.via]; ok {
		claim, err := r.parseParentRef(tm, back, path+"."+tm.via)
		if err != nil {
			return nestedItem{}, err
		}
		item.claims = append(item.claims, claim)
	}
	return item, nil
}

// parseParentRef reads a to-many item's relation back to its parent: only a key (or null) can agree
// with the parent the item is nested under; a new object, or one carrying fields to change, cannot.
func (r *model) parseParentRef(tm *toMany, v any, path string) (parentClaim, error) {
	back := tm.target.relations[tm.via]
	claim := parentClaim{field: tm.via}
	var key string
	var err error
	switch x := v.(type) {
	case nil:
		return claim, nil
	case map[string]any:
		if key, err = objectKey(back.bound, r, x, path); err != nil {
			return claim, err
		}
		if key == "" {
			return claim, contradiction(path, "The item names a new %s as its parent, but it is nested under the %s written.", r.meta.ResourceName, r.meta.ResourceName)
		}
		if otherFields(x, r) {
			return claim, contradiction(path, "An item nested under its %s may name it only by key; give the %s's fields on the %s itself.", r.meta.ResourceName, r.meta.ResourceName, r.meta.ResourceName)
		}
	default:
		if key, err = refKey(back.bound, r, v, path); err != nil {
			return claim, err
		}
	}
	claim.key, _ = r.parseKey(key)
	return claim, nil
}

// objectKey returns the key a nested object names by its primary-key field or its resource_uri ("" for
// none); the two must agree.
func objectKey(to *resource.Bound, target *model, m map[string]any, path string) (string, error) {
	var fromURI, fromPK string
	if v, ok := m["resource_uri"]; ok && v != nil {
		s, _ := v.(string)
		k, ok := to.KeyOfURI(s)
		if !ok {
			return "", problemAt(path+".resource_uri", fmt.Sprintf("Is not a URI of %s (%s<key>/).", to.Name, to.ListURI()))
		}
		fromURI = k
	}
	if v, ok := m[target.pk.Name]; ok && v != nil {
		k, ok := keyText(v)
		if !ok {
			return "", problemAt(path+"."+target.pk.Name, "Must be a number or a string.")
		}
		fromPK = k
	}
	if fromURI != "" && fromPK != "" && !target.sameText(fromURI, fromPK) {
		return "", contradiction(path, "Its %q (%s) and its resource_uri (%s) name different %s objects.", target.pk.Name, fromPK, fromURI, to.Name)
	}
	key := cmpOr(fromPK, fromURI)
	if _, ok := target.parseKey(key); key != "" && !ok {
		return "", problemAt(path, fmt.Sprintf("%q is not a key of %s.", key, to.Name))
	}
	return key, nil
}

// refKey returns the key of a bare reference: a key, or a resource_uri string.
func refKey(to *resource.Bound, target *model, v any, path string) (string, error) {
	key, ok := keyText(v)
	if !ok {
		return "", problemAt(path, "Must be an object, a key or a resource URI of "+to.Name+".")
	}
	if s, isString := v.(string); isString && strings.HasPrefix(s, "/") {
		if key, ok = to.KeyOfURI(s); !ok {
			return "", problemAt(path, fmt.Sprintf("Is not a URI of %s (%s<key>/).", to.Name, to.ListURI()))
		}
	}
	if _, ok := target.parseKey(key); !ok {
		return "", problemAt(path, fmt.Sprintf("%q is not a key of %s.", key, to.Name))
	}
	return key, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// keyText is the text of a key given in a body: a string or a whole number.
func keyText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case json.Number:
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), true
		}
	}
	return "", false
}

// sameKey reports whether v, a key value, is the key written as key.
func (r *model) sameKey(v any, key string) bool {
	k, ok := r.parseKey(key)
	return ok && v != nil && r.keyText(v) == r.keyText(k)
}

// sameText reports whether two keys as written are the same key (7 and 07 are).
func (r *model) sameText(a, b string) bool {
	k, ok := r.parseKey(a)
	return ok && r.sameKey(k, b)
}

// otherFields reports whether a nested object carries fields besides its key and resource_uri.
func otherFields(m map[string]any, target *model) bool {
	for k := range m {
		if k != "resource_uri" && k != target.pk.Name {
			return true
		}
	}
	return false
}

// problemAt is a VALIDATION_ERROR about the value at path; problem is a sentence.
func problemAt(path, problem string) error {
	return apierror.New(apierror.ValidationError, "%s: %s", path, problem).
		With("path", path).With("fields", map[string]any{path: problem})
}

// contradiction is a CONTRADICTORY_REQUEST about the value at path.
func contradiction(path, format string, args ...any) error {
	return apierror.New(apierror.ContradictoryRequest, "%s: %s", path, fmt.Sprintf(format, args...)).With("path", path)
}

// atPath places an error of a nested write at path: path, joined with any path the error already
// names, goes into details.path and before the message, and a VALIDATION_ERROR's fields are keyed by
// their full path.
func atPath(err error, path string) error {
	e := apierror.As(err)
	if e == nil {
		return err
	}
	old, _ := e.Details["path"].(string)
	full := joinPath(path, old)
	msg := e.Message
	if old != "" {
		msg = strings.TrimPrefix(msg, old+": ")
	}
	out := e.With("path", full)
	out.Message = full + ": " + msg
	if fields, ok := e.Details["fields"].(map[string]any); ok {
		keyed := make(map[string]any, len(fields))
		for k, v := range fields {
			keyed[joinPath(path, k)] = v
		}
		out.Details["fields"] = keyed
	}
	return out
}

// joinPath joins a path and a path below it: "cookies[1]" and "flavour", "jar" and "cookies[0]".
func joinPath(a, b string) string {
	switch {
	case b == "":
		return a
	case strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}
