package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Query is a lazy, immutable query over one resource (or one object's to-many relation): every method
// that refines it returns a new Query and sends nothing; All, First, Count, Exists, Iter, Update and
// Delete send it. T is the type objects are decoded into (a struct with json tags, or map[string]any).
type Query[T any] struct {
	c        *Client
	resource string
	path     string     // under the API prefix: "indicator/", or "location/3/children/"
	params   url.Values // filters and reserved parameters, never changed once the query exists
	filtered bool       // Filter was called
	related  bool       // an object's to-many relation, which is read only
	limit    int        // 0: none
	offset   int
}

// For returns the manager of a resource: client.For[Indicator](c, "indicator").
func For[T any](c *Client, resource string) *Manager[T] {
	return &Manager[T]{Query: Query[T]{c: c, resource: resource, path: resource + "/", params: url.Values{}}}
}

// with returns a copy of q whose parameters may be changed.
func (q *Query[T]) with() *Query[T] {
	n := *q
	n.params = make(url.Values, len(q.params)+1)
	for k, v := range q.params {
		n.params[k] = append([]string(nil), v...)
	}
	return &n
}

// Filter adds a condition, ANDed with the others: Filter("name__icontains", "polio"),
// Filter("id__in", []int{1, 2}), Filter("data_date__gte", client.DateOf(t)).
func (q *Query[T]) Filter(key string, value any) *Query[T] {
	n := q.with()
	n.params.Add(key, paramString(value))
	n.filtered = true
	return n
}

// OrderBy sets the ordering: OrderBy("-id"), OrderBy("name", "id"). It replaces any earlier one.
func (q *Query[T]) OrderBy(fields ...string) *Query[T] {
	n := q.with()
	n.params["order_by"] = append([]string(nil), fields...)
	return n
}

// Limit bounds how many objects All and Iter return (0: every one).
func (q *Query[T]) Limit(n int) *Query[T] {
	c := q.with()
	c.limit = max(n, 0)
	return c
}

// Offset skips the first n objects.
func (q *Query[T]) Offset(n int) *Query[T] {
	c := q.with()
	c.offset = max(n, 0)
	return c
}

// Only asks for these fields only (fields=; resource_uri comes too).
func (q *Query[T]) Only(fields ...string) *Query[T] {
	n := q.with()
	n.params.Set("fields", strings.Join(fields, ","))
	return n
}

// Depth expands relations n levels deep (depth=).
func (q *Query[T]) Depth(n int) *Query[T] {
	c := q.with()
	c.params.Set("depth", strconv.Itoa(n))
	return c
}

// Param sets a parameter that is not a filter: a required GET parameter, a location parameter
// (location_id, location_depth...), a processing resource's parameter. It replaces an earlier value.
func (q *Query[T]) Param(key string, value any) *Query[T] {
	n := q.with()
	n.params.Set(key, paramString(value))
	return n
}

// paramString writes a value as the API parses it: booleans true/false, times in RFC 3339, Dates as
// 2006-01-02, slices and arrays comma-separated (for __in and __range).
func paramString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return string(rv.Bytes())
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = paramString(rv.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	case reflect.Pointer:
		if rv.IsNil() {
			return ""
		}
		return paramString(rv.Elem().Interface())
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// keyString writes an object's key for a URL.
func keyString(key any) string { return paramString(key) }

// listQuery is the query string of a list read: the parameters, and limit and offset.
func (q *Query[T]) listQuery(limit int) url.Values {
	v := q.with().params
	v.Set("limit", strconv.Itoa(limit))
	if q.offset > 0 {
		v.Set("offset", strconv.Itoa(q.offset))
	}
	return v
}

// pages yields the query's pages, following `next`, until limit objects (0: all) have been seen.
func (q *Query[T]) pages(ctx context.Context, limit int) iter.Seq2[*answer, error] {
	return func(yield func(*answer, error) bool) {
		size := q.c.cfg.pageSize
		if limit > 0 && (size == 0 || limit < size) {
			size = limit
		}
		cl := &call{method: http.MethodGet, path: q.path, query: q.listQuery(size), want: wantList}
		seen := 0
		for {
			ans, err := q.c.send(ctx, cl)
			if err != nil {
				yield(nil, err)
				return
			}
			if limit > 0 && seen+len(ans.objects) > limit {
				ans.objects = ans.objects[:limit-seen]
			}
			seen += len(ans.objects)
			if !yield(ans, nil) {
				return
			}
			if (limit > 0 && seen >= limit) || ans.meta == nil || ans.meta.Next == nil || *ans.meta.Next == "" || len(ans.objects) == 0 {
				return
			}
			cl = &call{method: http.MethodGet, next: *ans.meta.Next, want: wantList}
		}
	}
}

// decode decodes one object.
func decode[T any](raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("client: an object cannot be decoded into %T: %w", v, err)
	}
	return v, nil
}

// Iter sends the query and yields its objects, reading one page at a time and following each page's
// `next`: memory holds one page whatever the number of objects. It stops at the first error, which it
// yields.
func (q *Query[T]) Iter(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page, err := range q.pages(ctx, q.limit) {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, raw := range page.objects {
				v, err := decode[T](raw)
				if !yield(v, err) || err != nil {
					return
				}
			}
		}
	}
}

// All sends the query and returns its objects: every one it matches, page after page, or at most its
// Limit.
func (q *Query[T]) All(ctx context.Context) ([]T, error) {
	out := []T{}
	for v, err := range q.Iter(ctx) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// First returns the query's first object; an empty query is an error that matches ErrNotFound.
func (q *Query[T]) First(ctx context.Context) (*T, error) {
	for page, err := range q.pages(ctx, 1) {
		if err != nil {
			return nil, err
		}
		if len(page.objects) > 0 {
			v, err := decode[T](page.objects[0])
			if err != nil {
				return nil, err
			}
			return &v, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: "OBJECT_DOES_NOT_EXIST",
		Message: fmt.Sprintf("No %s matches the query.", q.resource), Details: map[string]any{"resource": q.resource}}
}

// Count returns how many objects the query matches (the list's total_count; an estimate when the
// resource estimates it). A resource that does not count its lists answers an error with code
// CodeNotCounted.
func (q *Query[T]) Count(ctx context.Context) (int64, error) {
	ans, err := q.c.send(ctx, &call{method: http.MethodGet, path: q.path, query: q.listQuery(1), want: wantList})
	if err != nil {
		return 0, err
	}
	if ans.meta == nil || ans.meta.TotalCount == nil {
		return 0, refused(CodeNotCounted, "%s does not count its lists.", q.resource)
	}
	n := *ans.meta.TotalCount - int64(q.offset)
	if q.limit > 0 {
		n = min(n, int64(q.limit))
	}
	return max(n, 0), nil
}

// Exists reports whether the query matches at least one object.
func (q *Query[T]) Exists(ctx context.Context) (bool, error) {
	for page, err := range q.pages(ctx, 1) {
		if err != nil {
			return false, err
		}
		return len(page.objects) > 0, nil
	}
	return false, nil
}

// bulkable refuses a filtered write that is not narrowed by a filter, or that has paging or ordering,
// which the API ignores on writes, before anything is sent.
func (q *Query[T]) bulkable(what string) error {
	switch {
	case q.related:
		return refused(CodeNotOffered, "%s is not offered on a relation's list (%s): it is read only.", what, q.path)
	case !q.filtered:
		return refused(CodeNoFilter, "%s on every %s is refused: add a Filter.", what, q.resource)
	case q.limit > 0 || q.offset > 0 || len(q.params["order_by"]) > 0:
		return refused(CodeNoFilter, "%s applies to every object the filters match: Limit, Offset and OrderBy are refused.", what)
	}
	return nil
}

// writeQuery is the query string of a filtered write: the filters and parameters, no reads' own.
func (q *Query[T]) writeQuery() url.Values {
	v := q.with().params
	for _, k := range []string{"fields", "depth"} {
		v.Del(k)
	}
	return v
}

// Update applies a partial object to every object the query's filters match (PATCH with filters) and
// returns how many it changed (-1 when the API answers without a body). A query without a filter is
// refused before anything is sent.
func (q *Query[T]) Update(ctx context.Context, patch map[string]any) (int64, error) {
	if err := q.bulkable("Update"); err != nil {
		return 0, err
	}
	ans, err := q.c.send(ctx, &call{method: http.MethodPatch, path: q.path, query: q.writeQuery(), body: patch, want: wantCount})
	if err != nil {
		return 0, err
	}
	return ans.count, nil
}

// Delete deletes every object the query's filters match and returns how many (-1 when the API answers
// without a body). A query without a filter is refused before anything is sent.
func (q *Query[T]) Delete(ctx context.Context) (int64, error) {
	if err := q.bulkable("Delete"); err != nil {
		return 0, err
	}
	ans, err := q.c.send(ctx, &call{method: http.MethodDelete, path: q.path, query: q.writeQuery(), want: wantCount})
	if err != nil {
		return 0, err
	}
	return ans.count, nil
}
