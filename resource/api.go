package resource

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// DefaultPrefix is where resources are mounted unless Config.Prefix says otherwise.
const DefaultPrefix = "/api/v1/"

// DefaultMaxBodyBytes caps request bodies unless Config.MaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 10 << 20

// Config is what an API is built from.
type Config struct {
	// DB is the database every resource of the API uses.
	DB *sql.DB
	// Dialect is the database's SQL flavour (dialect.Open returns it).
	Dialect dialect.Dialect
	// Replicas, when not nil, are streaming replicas of DB (PostgreSQL): reads that need no
	// transaction (lists, details, set/, CSV, sub-resources, depth) go to a healthy one, each user's
	// only once it has replayed that user's last write (read-your-writes, across instances); writes,
	// transactions and authentication stay on DB. See dialect.NewReplicas.
	Replicas *dialect.Replicas
	// Prefix is the URL prefix, with leading and trailing slashes; DefaultPrefix when empty.
	// To mount the API inside another server, set the full path here and route that path to the API.
	Prefix string
	// OpenAPITitle and OpenAPIVersion are the info of the OpenAPI document served at
	// <Prefix>openapi.json; DefaultOpenAPITitle and DefaultOpenAPIVersion when empty.
	OpenAPITitle   string
	OpenAPIVersion string
	// Logger receives errors and panics; slog.Default() when nil.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (413 beyond); DefaultMaxBodyBytes when zero.
	MaxBodyBytes int64
	// MaxBodyObjects caps the objects of one write (413 beyond) for resources whose Meta sets none;
	// DefaultMaxBodyObjects when zero. MaxBodyValues caps the values and keys of a JSON body;
	// DefaultMaxBodyValues when zero. See body.go.
	MaxBodyObjects int
	MaxBodyValues  int
	// PerWriteTimeout bounds each write of an answer: a client that accepts no bytes for this long is
	// cut off (and a CSV export it stalls gives its database connection back); one that keeps reading
	// never is, however long the answer. DefaultPerWriteTimeout (30s) when zero.
	PerWriteTimeout time.Duration
	// MaxExports is how many CSV exports may read from the database at once; zero is half of
	// DB.Stats().MaxOpenConnections when New runs (at least 1), or 4 for an unlimited pool. ExportWait
	// is how long another waits for its turn before a 503 SERVER_BUSY; DefaultExportWait when zero.
	MaxExports int
	ExportWait time.Duration
	// CSVRawText turns off, for every resource, the neutralising of CSV text cells that a spreadsheet
	// would run as formulas (see Meta.CSVRawText).
	CSVRawText bool
	// Authentication and Authorization apply to resources whose Meta sets none.
	Authentication Authentication
	Authorization  Authorization
	// Throttle limits requests to resources whose Meta sets none; nil: no throttling.
	Throttle Throttle
	// Style is the wire format every resource of the API speaks: TastypieStyle (the zero value) or
	// DRFStyle; see [Style].
	Style Style
	// Sessions, when set, is the login by session for browsers: the API serves <Prefix>login/ and
	// <Prefix>logout/ (so no resource may be named login or logout), and its HTML pages log in and
	// out through it. Add it to Authentication too, so that its sessions authenticate requests.
	Sessions SessionLogin
	// CORS is the cross-origin policy (see [CORS]); nil: none, and a preflight is an OPTIONS like
	// any other (authenticated).
	CORS *CORS
	// PublicDocs serves <Prefix>openapi.json and <Prefix>docs/ to anyone, without authentication,
	// whole (every resource); false: each shows only the resources whose /schema/ the request may
	// read, and a request that may read none gets that error.
	PublicDocs bool
	// Observer receives the events resources report, such as how processing runs end, for an
	// application's metrics; see [Observer]. Requests are observed through [WithRequestInfo].
	Observer Observer
}

// API serves a set of resources. It is an http.Handler; two APIs live side by side without sharing
// anything, even when built from the same resource values.
type API struct {
	db           *dialect.DB
	dialect      dialect.Dialect
	prefix       string
	logger       *slog.Logger
	maxBodyBytes int64
	resources    map[string]*Bound
	names        []string
	router       http.Handler
	openapi      *openAPIDoc
	observer     Observer
	// style is Config.Style, and wire what it decides (style.go).
	style    Style
	wire     wire
	sessions SessionLogin
	// publicDocs is Config.PublicDocs.
	publicDocs bool
	// rootAuthn is Config.Authentication, which the root needs in Django REST framework's style.
	rootAuthn Authentication

	// maxBodyObjects and maxBodyValues are Config's (0: the defaults), csvRawText Config's CSVRawText.
	maxBodyObjects, maxBodyValues int
	csvRawText                    bool
	// perWriteTimeout bounds each write of an answer; exports holds a slot per CSV export reading
	// rows, for at most exportWait of waiting (export.go).
	perWriteTimeout time.Duration
	exports         chan struct{}
	exportWait      time.Duration
}

var resourceNameRe = regexp.MustCompile(`^[a-z0-9_]+$`)

// New builds an API serving the resources: it binds each to the database, checks every Meta (a wrong
// field, relation or table is an error naming it), combines each resource's steps with its overrides
// (a method named as a step that cannot override it is an error naming the type, the method and what
// is wrong; see the package documentation), and mounts the routes.
func New(ctx context.Context, cfg Config, resources ...Resource) (*API, error) {
	a := &API{
		dialect:      cfg.Dialect,
		prefix:       cfg.Prefix,
		logger:       cfg.Logger,
		maxBodyBytes: cfg.MaxBodyBytes,
		resources:    map[string]*Bound{},

		maxBodyObjects: cfg.MaxBodyObjects,
		maxBodyValues:  cfg.MaxBodyValues,
		csvRawText:     cfg.CSVRawText,
		observer:       cfg.Observer,
		sessions:       cfg.Sessions,
		publicDocs:     cfg.PublicDocs,
	}
	if cfg.DB == nil {
		return nil, fmt.Errorf("resource: Config.DB is nil")
	}
	a.db = dialect.NewDB(cfg.DB, cfg.Dialect)
	if cfg.Replicas != nil {
		if cfg.Dialect.Name() != dialect.Postgres {
			return nil, fmt.Errorf("resource: Config.Replicas needs PostgreSQL; the database is %s", cfg.Dialect.Name())
		}
		a.db = a.db.WithReplicas(cfg.Replicas, replicaSubject)
	}
	var err error
	if a.wire, err = wireOf(cfg.Style); err != nil {
		return nil, err
	}
	a.style = cfg.Style
	a.rootAuthn = cfg.Authentication
	if a.prefix == "" {
		a.prefix = DefaultPrefix
	}
	if !strings.HasPrefix(a.prefix, "/") || !strings.HasSuffix(a.prefix, "/") {
		return nil, fmt.Errorf("resource: Config.Prefix %q must start and end with '/'", a.prefix)
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	if a.maxBodyBytes <= 0 {
		a.maxBodyBytes = DefaultMaxBodyBytes
	}
	a.perWriteTimeout, a.exportWait = cfg.PerWriteTimeout, cfg.ExportWait
	if a.perWriteTimeout <= 0 {
		a.perWriteTimeout = DefaultPerWriteTimeout
	}
	if a.exportWait <= 0 {
		a.exportWait = DefaultExportWait
	}
	a.exports = exportSlots(cfg.MaxExports, cfg.DB.Stats().MaxOpenConnections)
	env := &Env{DB: a.db, Dialect: a.dialect, Logger: a.logger, Prefix: a.prefix, Tables: map[string]string{}, Observer: cfg.Observer}
	for _, r := range resources {
		m := r.Meta()
		if m == nil || m.ResourceName == "" {
			return nil, fmt.Errorf("resource: a resource has no Meta.ResourceName")
		}
		if !resourceNameRe.MatchString(m.ResourceName) {
			return nil, fmt.Errorf("resource %q: the name may hold only a-z, 0-9 and _", m.ResourceName)
		}
		if m.ResourceName == "docs" {
			return nil, fmt.Errorf("resource %q: the name is taken by the documentation page, <prefix>docs/", m.ResourceName)
		}
		if cfg.Sessions != nil && (m.ResourceName == "login" || m.ResourceName == "logout") {
			return nil, fmt.Errorf("resource %q: the name is taken by Config.Sessions' page", m.ResourceName)
		}
		if _, dup := a.resources[m.ResourceName]; dup {
			return nil, fmt.Errorf("resource %q: registered twice", m.ResourceName)
		}
		if m.Table != "" {
			if _, taken := env.Tables[m.Table]; !taken {
				env.Tables[m.Table] = m.ResourceName
			}
		}
		a.resources[m.ResourceName] = nil
	}
	for _, r := range resources {
		// The API keeps a copy of the Meta: the value registered stays a description, which New may
		// bind again, into this API or another.
		meta := *r.Meta()
		m := &meta
		binding, err := r.Bind(ctx, env)
		if err != nil {
			return nil, fmt.Errorf("resource %q: %w", m.ResourceName, err)
		}
		b := &Bound{Name: m.ResourceName, Meta: m, Binding: binding, API: a, Self: r}
		if b.listMethods, err = methods(m.ListMethods, []string{"get", "post", "patch", "delete"}, "ListMethods"); err != nil {
			return nil, fmt.Errorf("resource %q: %w", m.ResourceName, err)
		}
		if b.detailMethods, err = methods(m.DetailMethods, []string{"get", "put", "patch", "delete"}, "DetailMethods"); err != nil {
			return nil, fmt.Errorf("resource %q: %w", m.ResourceName, err)
		}
		switch m.TotalCount {
		case "", CountExact, CountEstimate, CountNone:
		default:
			return nil, fmt.Errorf("resource %q: Meta.TotalCount %q is not one of exact, estimate, none", m.ResourceName, m.TotalCount)
		}
		b.authn, b.authz = m.Authentication, m.Authorization
		if b.authn == nil {
			b.authn = cfg.Authentication
		}
		if b.authn == nil {
			b.authn = Anonymous{}
		}
		if b.authz == nil {
			b.authz = cfg.Authorization
		}
		if b.authz == nil {
			b.authz = AllowAll{}
		}
		if b.throttle = m.Throttle; b.throttle == nil {
			b.throttle = cfg.Throttle
		}
		defaults := binding.Steps
		if defaults.Dispatch == nil {
			defaults.Dispatch = defaultDispatch
		}
		if defaults.Hydrate == nil {
			defaults.Hydrate = func(context.Context, *Bundle) error { return nil }
		}
		if defaults.Dehydrate == nil {
			defaults.Dehydrate = func(context.Context, *Bundle, *Object) error { return nil }
		}
		withFieldHooks(b, &defaults)
		if err := requireSteps(defaults); err != nil {
			return nil, fmt.Errorf("resource %q: %w", m.ResourceName, err)
		}
		b.oneByOne = batchDefaults(m.ResourceName, &defaults, overridden(r), a.logger)
		if err := checkOverrides(r, defaults, binding.OwnSteps); err != nil {
			return nil, fmt.Errorf("resource %q: %w", m.ResourceName, err)
		}
		b.Steps = withOverrides(r, defaults)
		if b.Steps.Validate != nil {
			validateAfterHydrate(&b.Steps)
		}
		a.resources[m.ResourceName] = b
		a.names = append(a.names, m.ResourceName)
	}
	sort.Strings(a.names)
	lookup := func(name string) (*Bound, bool) {
		b, ok := a.resources[name]
		return b, ok && b != nil
	}
	for _, name := range a.names {
		if link := a.resources[name].Binding.Link; link != nil {
			if err := link(lookup); err != nil {
				return nil, fmt.Errorf("resource %q: %w", name, err)
			}
		}
	}
	for _, name := range a.names {
		if err := a.resources[name].bindFieldHooks(); err != nil {
			return nil, fmt.Errorf("resource %q: %w", name, err)
		}
		if err := a.resources[name].bindEndpoints(); err != nil {
			return nil, fmt.Errorf("resource %q: %w", name, err)
		}
	}
	if a.openapi, err = a.buildOpenAPI(cfg); err != nil {
		return nil, err
	}
	if a.router, err = cfg.CORS.handler(a.routes()); err != nil {
		return nil, err
	}
	return a, nil
}

var knownMethods = []string{"get", "post", "put", "patch", "delete"}

func methods(given, def []string, what string) ([]string, error) {
	if len(given) == 0 {
		return def, nil
	}
	out := make([]string, 0, len(given))
	for _, m := range given {
		m = strings.ToLower(m)
		if !slices.Contains(knownMethods, m) {
			//lint:ignore ST1005 the message starts with the Go name of the field, Meta.<Field>
			return nil, fmt.Errorf("Meta.%s: unknown method %q (known: %s)", what, m, strings.Join(knownMethods, ", "))
		}
		out = append(out, m)
	}
	return out, nil
}

func requireSteps(s Steps) error {
	missing := []string{}
	if s.ValidateFilters == nil {
		missing = append(missing, "ValidateFilters")
	}
	if s.BuildFilters == nil {
		missing = append(missing, "BuildFilters")
	}
	if s.ApplyFilters == nil {
		missing = append(missing, "ApplyFilters")
	}
	if s.GetObjectList == nil {
		missing = append(missing, "GetObjectList")
	}
	if s.ObjGetList == nil {
		missing = append(missing, "ObjGetList")
	}
	if s.ObjGet == nil {
		missing = append(missing, "ObjGet")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the implementation supplies no default for %s", strings.Join(missing, ", "))
	}
	return nil
}

// Prefix returns the URL prefix the API is mounted under.
func (a *API) Prefix() string { return a.prefix }

// Resource returns a registered resource by name.
func (a *API) Resource(name string) (*Bound, bool) {
	b, ok := a.resources[name]
	return b, ok
}

// Names returns the registered resources' names, sorted.
func (a *API) Names() []string { return slices.Clone(a.names) }

// Dialect returns the API's SQL dialect.
func (a *API) Dialect() dialect.Dialect { return a.dialect }

// DB returns the API's database, whose statements answer classified errors.
func (a *API) DB() *dialect.DB { return a.db }

// Observer returns Config.Observer (nil when the application observes nothing).
func (a *API) Observer() Observer { return a.observer }

// Logger returns the API's logger.
func (a *API) Logger() *slog.Logger { return a.logger }

// ServeHTTP serves the API's routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
