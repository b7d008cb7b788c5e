package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
)

// writer is one writer of a load run: it writes only indicators whose short_name starts with prefix,
// one request at a time, and keeps st, what the acknowledged writes say they are.
type writer struct {
	r      *loadRun
	prefix string
	seq    int
	st     state
	rng    *rand.Rand
}

// mutation is one write: the request, the answer expected, and what it does to the writer's state.
type mutation struct {
	name         string
	method, path string
	body         any
	want         int // the expected status: a 2xx, or a 4xx for a write that must be refused
	// predict is the state after the write, new rows with ID 0 (their ids are not known before).
	predict state
	// check looks at the answer of a successful write and returns the state after it, ids included,
	// or a problem.
	check func(answer map[string]any) (state, string)
}

var dataFormats = []string{"pct", "int", "bool"}

// token returns a new unique text of this writer.
func (w *writer) token() string {
	w.seq++
	return fmt.Sprintf("%s%d", w.prefix, w.seq)
}

// newRow makes a new indicator: its short_name, the row, and the POST body.
func (w *writer) newRow() (string, indRow, map[string]any) {
	short := w.token()
	row := indRow{Name: "n-" + short, Description: "d-" + short, DataFormat: dataFormats[w.rng.IntN(3)], GoodBound: float64(w.rng.IntN(100))}
	return short, row, map[string]any{"short_name": short, "name": row.Name, "description": row.Description, "data_format": row.DataFormat, "good_bound": row.GoodBound}
}

// keys returns the writer's short_names, sorted, so that picks depend only on the random source.
func (w *writer) keys() []string {
	ks := make([]string, 0, len(w.st))
	for k := range w.st {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (w *writer) pickKey() string {
	ks := w.keys()
	return ks[w.rng.IntN(len(ks))]
}

func uri(id int64) string { return fmt.Sprintf("/api/v1/indicator/%d/", id) }

// step makes one request: a write (checked against the state) or a read of the writer's own rows.
func (w *writer) step() {
	n := w.rng.IntN(100)
	switch {
	case len(w.st) < 2 || n < 20:
		w.apply(w.createOne())
	case n < 35:
		w.apply(w.createMany())
	case n < 48:
		w.apply(w.patchOne())
	case n < 56:
		w.apply(w.deleteOne())
	case n < 63:
		w.apply(w.patchWhere())
	case n < 68 || len(w.st) > 300:
		w.apply(w.deleteWhere())
	case n < 76:
		w.apply(w.bulkPatch())
	case n < 79:
		w.apply(w.conflictingCreateMany())
	case n < 82:
		w.apply(w.failingBulkPatch())
	case n < 92:
		w.listOwn()
	default:
		w.getOwn()
	}
}

// apply sends a mutation and brings the state up to date with what its answer says happened.
func (w *writer) apply(m mutation) {
	var answer map[string]any
	o := w.r.do(m.name, true, m.method, m.path, m.body, &answer)
	switch {
	case o.status == m.want && o.ok():
		next, problem := m.check(answer)
		if problem != "" {
			w.r.problem("%s %s: %s", m.method, m.path, problem)
			w.st = w.r.namespace(w.prefix)
			return
		}
		w.st = next
	case o.status == m.want, o.unavailable():
		// refused: nothing changed, as the final comparison checks
	case o.status == 0:
		w.reconcile(m, o)
	default:
		w.r.problem("%s %s (%s): %d %s, want %d", m.method, m.path, m.name, o.status, o.code, m.want)
	}
}

// reconcile learns from the database what a write whose answer was lost did: nothing, or all of it.
func (w *writer) reconcile(m mutation, o outcome) {
	got := w.r.namespace(w.prefix)
	w.r.mu.Lock()
	w.r.unknown++
	w.r.mu.Unlock()
	switch {
	case w.st.diff(got) == "":
	case matches(m.predict, got):
		w.r.mu.Lock()
		w.r.unknownApplied++
		w.r.mu.Unlock()
	default:
		w.r.problem("%s %s lost its answer (%v) and left the database neither as before nor as after: %s", m.method, m.path, o.err, m.predict.diff(got))
	}
	w.st = got
}

// matches reports whether got is the predicted state, rows predicted with ID 0 matching any id.
func matches(predict, got state) bool {
	if len(predict) != len(got) {
		return false
	}
	for k, p := range predict {
		g, ok := got[k]
		if !ok {
			return false
		}
		if p.ID == 0 {
			p.ID = g.ID
		}
		if p != g {
			return false
		}
	}
	return true
}

// fromJSON reads an indicator of an answer.
func fromJSON(o map[string]any) (string, indRow) {
	short, _ := o["short_name"].(string)
	row := indRow{}
	if id, ok := o["id"].(float64); ok {
		row.ID = int64(id)
	}
	row.Name, _ = o["name"].(string)
	row.Description, _ = o["description"].(string)
	row.DataFormat, _ = o["data_format"].(string)
	row.GoodBound, _ = o["good_bound"].(float64)
	return short, row
}

// created checks the answer's objects against the predicted state and fills in their ids.
func created(predict state, objects []any) (state, string) {
	next := predict.clone()
	for _, o := range objects {
		m, _ := o.(map[string]any)
		short, row := fromJSON(m)
		p, ok := next[short]
		if !ok {
			return nil, fmt.Sprintf("answered an object %q it was not asked for", short)
		}
		if p.ID == 0 {
			p.ID = row.ID
		}
		if p != row {
			return nil, fmt.Sprintf("answered %+v for %s, want %+v", row, short, p)
		}
		next[short] = p
	}
	for k, p := range next {
		if p.ID == 0 {
			return nil, fmt.Sprintf("the answer lacks %s", k)
		}
	}
	return next, ""
}

func (w *writer) createOne() mutation {
	short, row, body := w.newRow()
	predict := w.st.clone()
	predict[short] = row
	return mutation{name: "post", method: http.MethodPost, path: "indicator/", body: body, want: http.StatusCreated, predict: predict,
		check: func(a map[string]any) (state, string) { return created(predict, []any{a}) }}
}

func (w *writer) createMany() mutation {
	predict := w.st.clone()
	var body []any
	for range 2 + w.rng.IntN(4) {
		short, row, item := w.newRow()
		predict[short] = row
		body = append(body, item)
	}
	return mutation{name: "post array", method: http.MethodPost, path: "indicator/", body: body, want: http.StatusCreated, predict: predict,
		check: func(a map[string]any) (state, string) {
			objects, _ := a["objects"].([]any)
			if len(objects) != len(body) {
				return nil, fmt.Sprintf("answered %d objects for %d", len(objects), len(body))
			}
			return created(predict, objects)
		}}
}

// conflictingCreateMany posts an array whose last item repeats the first one's short_name: the
// database refuses it after the first rows are in, and none of them may stay.
func (w *writer) conflictingCreateMany() mutation {
	var body []any
	for range 2 + w.rng.IntN(3) {
		_, _, item := w.newRow()
		body = append(body, item)
	}
	dup := map[string]any{}
	for k, v := range body[0].(map[string]any) {
		dup[k] = v
	}
	body = append(body, dup)
	return mutation{name: "post array conflicting", method: http.MethodPost, path: "indicator/", body: body, want: http.StatusConflict, predict: w.st}
}

func (w *writer) patchOne() mutation {
	short := w.pickKey()
	row := w.st[short]
	row.Description, row.GoodBound = "p-"+w.token(), float64(w.rng.IntN(100))
	predict := w.st.clone()
	predict[short] = row
	return mutation{name: "patch", method: http.MethodPatch, path: fmt.Sprintf("indicator/%d/", row.ID),
		body: map[string]any{"description": row.Description, "good_bound": row.GoodBound}, want: http.StatusAccepted, predict: predict,
		check: func(a map[string]any) (state, string) { return created(predict, []any{a}) }}
}

func (w *writer) deleteOne() mutation {
	short := w.pickKey()
	predict := w.st.clone()
	delete(predict, short)
	return mutation{name: "delete", method: http.MethodDelete, path: fmt.Sprintf("indicator/%d/", w.st[short].ID), want: http.StatusNoContent, predict: predict,
		check: func(map[string]any) (state, string) { return predict, "" }}
}

// where is the query of the writer's rows whose good_bound is below (or, with atLeast, at least) b.
func (w *writer) where(b int, atLeast bool) (string, func(indRow) bool) {
	q := url.Values{"short_name__startswith": {w.prefix}}
	if atLeast {
		q.Set("good_bound__gte", fmt.Sprint(b))
		return "indicator/?" + q.Encode(), func(r indRow) bool { return r.GoodBound >= float64(b) }
	}
	q.Set("good_bound__lt", fmt.Sprint(b))
	return "indicator/?" + q.Encode(), func(r indRow) bool { return r.GoodBound < float64(b) }
}

// counted checks the "updated" or "deleted" count of an answer.
func counted(key string, n int, predict state) func(map[string]any) (state, string) {
	return func(a map[string]any) (state, string) {
		if got, _ := a[key].(float64); int(got) != n {
			return nil, fmt.Sprintf("answered %v, want %s %d", a, key, n)
		}
		return predict, ""
	}
}

func (w *writer) patchWhere() mutation {
	path, match := w.where(w.rng.IntN(100), false)
	desc := "f-" + w.token()
	predict, n := w.st.clone(), 0
	for k, row := range predict {
		if match(row) {
			row.Description = desc
			predict[k] = row
			n++
		}
	}
	return mutation{name: "patch where", method: http.MethodPatch, path: path, body: map[string]any{"description": desc},
		want: http.StatusAccepted, predict: predict, check: counted("updated", n, predict)}
}

func (w *writer) deleteWhere() mutation {
	path, match := w.where(60+w.rng.IntN(41), true)
	if len(w.st) > 300 {
		path, match = w.where(w.rng.IntN(50), true)
	}
	predict, n := w.st.clone(), 0
	for k, row := range predict {
		if match(row) {
			delete(predict, k)
			n++
		}
	}
	return mutation{name: "delete where", method: http.MethodDelete, path: path, want: http.StatusOK, predict: predict, check: counted("deleted", n, predict)}
}

// bulkPatch updates one row, deletes another and creates a third in one Tastypie bulk PATCH.
func (w *writer) bulkPatch() mutation {
	ks := w.keys()
	i := w.rng.IntN(len(ks))
	upd, del := ks[i], ks[(i+1)%len(ks)]
	predict := w.st.clone()
	row := predict[upd]
	row.Description = "b-" + w.token()
	predict[upd] = row
	delete(predict, del)
	short, newRow, item := w.newRow()
	predict[short] = newRow
	body := map[string]any{
		"objects":         []any{map[string]any{"resource_uri": uri(row.ID), "description": row.Description}, item},
		"deleted_objects": []any{uri(w.st[del].ID)},
	}
	return mutation{name: "bulk patch", method: http.MethodPatch, path: "indicator/", body: body, want: http.StatusAccepted, predict: predict,
		check: func(a map[string]any) (state, string) {
			objects, _ := a["objects"].([]any)
			if len(objects) != 2 {
				return nil, fmt.Sprintf("answered %d objects, want 2", len(objects))
			}
			return created(predict, objects)
		}}
}

// failingBulkPatch updates a row and creates one, then names an indicator that does not exist in
// deleted_objects: the whole PATCH is refused, the update and the creation undone.
func (w *writer) failingBulkPatch() mutation {
	row := w.st[w.pickKey()]
	_, _, item := w.newRow()
	body := map[string]any{
		"objects":         []any{map[string]any{"resource_uri": uri(row.ID), "description": "x-" + w.token()}, item},
		"deleted_objects": []any{uri(1 << 40)},
	}
	return mutation{name: "bulk patch failing", method: http.MethodPatch, path: "indicator/", body: body, want: http.StatusNotFound, predict: w.st}
}

// listOwn reads the writer's rows through the API: they must be exactly the state.
func (w *writer) listOwn() {
	path := "indicator/?" + url.Values{"short_name__startswith": {w.prefix}, "limit": {"0"}}.Encode()
	var a map[string]any
	o := w.r.do("list own", false, http.MethodGet, path, nil, &a)
	if !o.ok() {
		if !o.unavailable() && o.status != 0 {
			w.r.problem("GET %s: %d %s", path, o.status, o.code)
		}
		return
	}
	got := state{}
	objects, _ := a["objects"].([]any)
	for _, obj := range objects {
		m, _ := obj.(map[string]any)
		short, row := fromJSON(m)
		got[short] = row
	}
	if d := w.st.diff(got); d != "" {
		w.r.problem("GET %s: the list differs from what was acknowledged: %s", path, d)
	}
}

// getOwn reads one of the writer's rows through the API.
func (w *writer) getOwn() {
	short := w.pickKey()
	want := w.st[short]
	var a map[string]any
	o := w.r.do("get own", false, http.MethodGet, fmt.Sprintf("indicator/%d/", want.ID), nil, &a)
	if !o.ok() {
		if !o.unavailable() && o.status != 0 {
			w.r.problem("GET indicator/%d/: %d %s", want.ID, o.status, o.code)
		}
		return
	}
	if gotShort, got := fromJSON(a); gotShort != short || got != want {
		w.r.problem("GET indicator/%d/: %s %+v, want %s %+v", want.ID, gotShort, got, short, want)
	}
}
