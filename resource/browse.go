package resource

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/field"
)

// The browsable API: a read whose Accept headers prefer HTML (a browser's) is answered with a page
// showing the same answer the JSON client gets, pretty-printed, every string that is a URI of the API
// a link; a list gets a filter and ordering form built from the resource's allowed filters and
// ordering; and a user whom the resource's authorization lets write gets forms, built from the schema,
// to create, edit and delete. The forms are sent by a small script on the page (fetch, JSON, the
// session's CSRF token in X-CSRFToken) to the very URLs a client uses, so a write from a page takes the
// same steps and gets the same errors; a bad field's error is shown next to it. Pages are
// html/template, with the CSS and script embedded and allowed by a per-page nonce (no CDN, offline).

//go:embed browse/*
var browseFiles embed.FS

var browseTemplates = template.Must(template.New("").ParseFS(browseFiles, "browse/*.html"))

var (
	browseCSS = template.CSS(mustRead("browse/style.css"))
	browseJS  = template.JS(mustRead("browse/page.js"))
)

func mustRead(name string) string {
	b, err := browseFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pageKind is what a route serves, for its page; pageOther routes never render a page.
type pageKind int

const (
	pageOther pageKind = iota
	pageRoot
	pageSchema
	pageList
	pageDetail
	pageSet
	pageRelation
)

// page is what the page template shows.
type page struct {
	Title, Nonce           string
	CSS                    template.CSS
	JS                     template.JS
	Prefix, Path, Query    string
	Crumbs                 []crumb
	Method                 string
	Status                 int
	StatusText             string
	Body                   template.HTML
	Error                  *apierror.Error
	User                   string
	LoginURL, LogoutURL    string
	CSRF                   string
	Resource, ListURI      string
	Filters                []filterRow
	Ordering               []string
	OrderBy, Limit         string
	LimitParam             string
	Previous, Next         string
	Create, Edit           *writeForm
	Delete                 bool
	LoginMessage, NextPath string
}

type crumb struct{ Name, URL string }

// filterRow is one field of the filter form.
type filterRow struct {
	Field   string
	Lookups []string
	Lookup  string
	Value   string
}

// writeForm is a create or edit form.
type writeForm struct {
	Action, Method string
	Fields         []formField
}

// formField is one input of a write form.
type formField struct {
	Name, Label, Input, Type, Value, Help string
	Choices                               []string
	Nullable, Required, Initial           bool
}

// writePage answers a browser's read with the page of its kind.
func (a *API) writePage(w http.ResponseWriter, r *http.Request, rid string, kind pageKind, resp *Response, err error) {
	p := &page{Prefix: a.prefix, Path: r.URL.Path, Query: r.URL.RawQuery, Method: r.Method, Title: "API"}
	var body any
	status, answered := http.StatusOK, err == nil
	if err != nil {
		status, p.Error = a.errorAnswer(w, r, rid, err)
		body = errorBody(p.Error)
		if status == http.StatusUnauthorized && a.sessions != nil {
			// The page offers its login form; a challenge would make the browser ask for a Basic
			// login over it instead (JSON answers keep their challenges).
			w.Header().Del("WWW-Authenticate")
		}
	} else {
		if resp != nil {
			for k, vs := range resp.Header {
				for _, v := range vs {
					w.Header().Add(k, v)
				}
			}
			status, body = resp.Status, a.wireBody(resp.Body)
		} else {
			status = http.StatusNoContent
		}
		a.noteAnswer(w, r, status, "")
	}
	p.Status, p.StatusText = status, http.StatusText(status)
	var raw []byte
	if body != nil {
		var err error
		if raw, err = appendJSONValue(nil, body); err != nil {
			a.logger.ErrorContext(r.Context(), "encoding response", "error", err)
			raw = nil
		}
	}
	var decoded any
	if raw != nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		_ = dec.Decode(&decoded)
	}
	p.Body = a.linkedJSON(raw, r)
	p.Crumbs = a.crumbs(r.URL.Path)
	a.fillPage(r, rid, kind, p, resp, decoded, answered)
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	p.Nonce = base64.RawURLEncoding.EncodeToString(nonce[:])
	p.CSS, p.JS = browseCSS, browseJS
	a.renderHTML(w, r, status, "page.html", p)
}

// renderHTML writes a template with the page headers.
func (a *API) renderHTML(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := browseTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		a.logger.ErrorContext(r.Context(), "rendering a page", "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+p.Nonce+"'; script-src 'nonce-"+p.Nonce+
		"'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "same-origin")
	h.Add("Vary", "Accept")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fillPage adds who is asking and, on a resource's page, its forms and paging links.
func (a *API) fillPage(r *http.Request, rid string, kind pageKind, p *page, resp *Response, decoded any, ok bool) {
	ctx := r.Context()
	if a.sessions != nil {
		p.LoginURL, p.LogoutURL, p.CSRF = a.prefix+"login/?next="+url.QueryEscape(r.URL.RequestURI()), a.prefix+"logout/", a.sessions.CSRFToken(r)
	}
	var user *User
	if info := RequestInfoFrom(ctx); info != nil {
		user = info.User
	}
	name := mux.Vars(r)["name"]
	res := a.resources[name]
	if user == nil && len(a.names) > 0 {
		// The listing and pages answered before authentication still say who is logged in.
		authn := a.resources[a.names[0]].authn
		if res != nil {
			authn = res.authn
		}
		user, _ = authn.Authenticate(ctx, r)
	}
	if user != nil {
		p.User = user.Username
	}
	if res == nil {
		return
	}
	p.Resource, p.ListURI, p.Title = res.Name, res.ListURI(), res.Name
	if kind == pageRelation {
		return
	}
	if m, isMap := decoded.(map[string]any); isMap && ok {
		p.Previous, p.Next = pagingLinks(m)
	}
	if kind == pageList {
		a.filterForm(r, res, p)
	}
	if !ok || (user == nil && !isAnonymous(res.authn)) {
		return
	}
	b := &Bundle{Resource: res, Request: r, Kind: KindList, Query: r.URL.Query(), User: user, RequestID: rid}
	switch kind {
	case pageList:
		if res.Allows(KindList, http.MethodPost) {
			b.Method = http.MethodPost
			if err := res.authz.CreateList(withBundle(ctx, b), b); err == nil {
				p.Create = res.writeForm(res.ListURI(), http.MethodPost, nil)
			}
		}
	case pageDetail:
		obj, isObj := resp.Body.(*Object)
		if !isObj {
			return
		}
		b.Kind = KindDetail
		self, _ := obj.Get("resource_uri")
		action, _ := self.(string)
		if action == "" {
			action = r.URL.Path
		}
		if res.Allows(KindDetail, http.MethodPatch) {
			b.Method = http.MethodPatch
			if err := res.authz.UpdateDetail(withBundle(ctx, b), b, obj); err == nil {
				p.Edit = res.writeForm(action, http.MethodPatch, obj)
			}
		}
		if res.Allows(KindDetail, http.MethodDelete) {
			b.Method = http.MethodDelete
			p.Delete = res.authz.DeleteDetail(withBundle(ctx, b), b, obj) == nil
		}
	}
}

// isAnonymous reports whether an authentication lets everyone in as nobody (an open API), whose
// pages then offer the forms its authorization allows.
func isAnonymous(authn Authentication) bool {
	_, ok := authn.(Anonymous)
	return ok
}

// pagingLinks finds the previous and next pages in a list's answer: meta.previous and meta.next
// (Tastypie), or previous and next (Django REST framework).
func pagingLinks(m map[string]any) (prev, next string) {
	if meta, ok := m["meta"].(map[string]any); ok {
		m = meta
	}
	prev, _ = m["previous"].(string)
	next, _ = m["next"].(string)
	return prev, next
}

// filterForm fills in the filter and ordering form from the resource's allow-lists (the schema's
// filtering and ordering) and the query.
func (a *API) filterForm(r *http.Request, res *Bound, p *page) {
	types := map[string]field.Type{}
	for _, f := range res.Binding.Fields {
		types[f.Name] = f.Type
	}
	query := r.URL.Query()
	for _, name := range sortedKeys(res.Binding.Filtering) {
		t, isField := types[name]
		if !isField {
			t = field.Related
		}
		lookups, _ := res.Binding.Filtering[name].([]string)
		if len(lookups) == 0 {
			lookups = lookupsForType(t)
		}
		row := filterRow{Field: name, Lookups: lookups, Lookup: lookups[0]}
		if slices.Contains(lookups, "exact") {
			row.Lookup = "exact"
		}
		for _, lk := range lookups {
			key := name + "__" + lk
			if lk == "exact" && query.Has(name) {
				key = name
			}
			if query.Has(key) {
				row.Lookup, row.Value = lk, query.Get(key)
				break
			}
		}
		p.Filters = append(p.Filters, row)
	}
	for _, f := range res.Binding.Ordering {
		p.Ordering = append(p.Ordering, f, "-"+f)
	}
	p.LimitParam = a.pageSizeParam()
	p.OrderBy, p.Limit = query.Get("order_by"), query.Get(p.LimitParam)
}

// writeForm is the create (obj nil) or edit form of the resource's writable fields.
func (r *Bound) writeForm(action, method string, obj *Object) *writeForm {
	f := &writeForm{Action: action, Method: method}
	required := map[string]bool{}
	for _, n := range r.Meta.RequiredFieldsForPost {
		required[n] = true
	}
	for _, fs := range r.Binding.Fields {
		if fs.ReadOnly || (fs.PrimaryKey && obj != nil) {
			continue
		}
		ff := formField{Name: fs.Name, Label: strings.ReplaceAll(fs.Name, "_", " "), Type: fs.Type.String(), Help: fs.HelpText,
			Choices: fs.Choices, Nullable: fs.Nullable, Required: required[fs.Name] && obj == nil}
		switch {
		case len(fs.Choices) > 0 || ff.Type == "boolean":
			ff.Input = "select"
			if ff.Type == "boolean" {
				ff.Choices = []string{"true", "false"}
			}
		case ff.Type == "json":
			ff.Input = "textarea"
		case ff.Type == "date":
			ff.Input = "date"
		default:
			// Numbers are typed as text and checked by the server, whose error shows next to the field.
			ff.Input = "text"
		}
		if obj != nil {
			if v, ok := obj.Get(fs.Name); ok && v != nil {
				ff.Value, ff.Initial = inputValue(v), true
			}
		}
		f.Fields = append(f.Fields, ff)
	}
	return f
}

// inputValue is a value as a form input holds it: its JSON, strings unquoted.
func inputValue(v any) string {
	raw, err := appendJSONValue(nil, v)
	if err != nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// crumbs are the links of the path's segments under the prefix.
func (a *API) crumbs(path string) []crumb {
	out := []crumb{{Name: strings.Trim(a.prefix, "/"), URL: a.prefix}}
	if out[0].Name == "" {
		out[0].Name = "api"
	}
	rest := strings.TrimPrefix(path, a.prefix)
	u := a.prefix
	for _, seg := range strings.Split(strings.Trim(rest, "/"), "/") {
		if seg == "" {
			continue
		}
		u += seg + "/"
		out = append(out, crumb{Name: seg, URL: u})
	}
	return out
}

// pageSizeParam is the query parameter that sets a list's page size in the API's wire style.
func (a *API) pageSizeParam() string { return "limit" }

// wireBody is a response body as the API writes it (writeResponse), so that a page shows exactly the
// JSON a client gets, in whichever wire style the API speaks.
func (a *API) wireBody(body any) any { return body }

// jsonURIString matches a JSON string literal whose text is a path or an http(s) URL (no escapes, no
// spaces).
var jsonURIString = regexp.MustCompile(`"((?:https?://[A-Za-z0-9.\-\[\]:]+)?/[A-Za-z0-9_\-./;,%?=&~+:@]*)"`)

// linkedJSON is the JSON indented, escaped for HTML, each string that is a URI of the API (a path
// under its prefix, or an absolute URL of this host under it, as Django REST framework's style
// writes links) a link.
func (a *API) linkedJSON(raw []byte, r *http.Request) template.HTML {
	if raw == nil {
		return ""
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, raw, "", "  "); err != nil {
		return template.HTML(html.EscapeString(string(raw)))
	}
	text := ind.String()
	ours := []string{a.prefix, "http://" + r.Host + a.prefix, "https://" + r.Host + a.prefix}
	var out strings.Builder
	last := 0
	for _, m := range jsonURIString.FindAllStringSubmatchIndex(text, -1) {
		uri := text[m[2]:m[3]]
		if !slices.ContainsFunc(ours, func(p string) bool { return strings.HasPrefix(uri, p) }) {
			continue
		}
		out.WriteString(html.EscapeString(text[last:m[0]]))
		e := html.EscapeString(uri)
		out.WriteString(`"<a href="` + e + `">` + e + `</a>"`)
		last = m[1]
	}
	out.WriteString(html.EscapeString(text[last:]))
	return template.HTML(out.String())
}
