// Package nonmodel serves Tastypie's non-model resources as processing endpoints: a GET runs a piece of
// work (the PreProcessData step), then answers the list that the resource's query returns (the table of
// its Meta, with the usual filters, ordering and pages, served by modelresource).
//
//	type AggParams struct {
//		CampaignID int `schema:"campaign_id,required"`
//	}
//	type aggRefresh struct{ *nonmodel.Resource }
//
//	func (r aggRefresh) PreProcessData(ctx context.Context, b *resource.Bundle, next nonmodel.PreProcessDataFunc) error {
//		p, _ := nonmodel.Params[*AggParams](ctx)
//		... recompute campaign p.CampaignID ...
//	}
//
//	aggRefresh{nonmodel.New(resource.Meta{ResourceName: "agg_refresh", Table: "agg_datapoint"}, nonmodel.Options{Params: AggParams{}})}
//
// Only GET (and HEAD) are offered. The parameters are a Go struct decoded by gorilla/schema: a missing
// or mistyped one is a 400 naming it, and the schema endpoint lists them (required_GET_params, params).
// Only a list GET runs the work, once, JSON or CSV; a detail or set/ GET reads the query's rows. (An
// ObjGetList override makes a CSV export read page after page through it, each page running the
// work: such a resource with Meta.CSVExport overrides ObjStreamList too; see resource's batch steps.)
//
// Every run is recorded in a table (processing_run by default: resource, parameters as a JSON object,
// user, started_at, ended_at, status running/succeeded/failed, error), which the framework defines:
// [EnsureRunTable] creates it (or brings one of an earlier definition up to date), and
// [RunTableStatements] gives its statements for an application's own migrations. Two overlapping runs of one resource with the same
// parameters do the work once: the second is a 409 RUN_IN_PROGRESS, or, with Options.WaitIfRunning, it
// waits for the first and answers with its outcome. The exclusion holds within a process (a lock per
// resource and parameters) and, on PostgreSQL, across processes (a session advisory lock on a hash of
// the schema, resource and parameters, held on a dedicated connection for the whole run). On SQLite a
// single process owns the database file, so the in-process lock is the whole of it.
//
// The work runs on a context detached from the request's cancellation (context.WithoutCancel): a
// client that goes away does not stop it, and its end is recorded. An error or a panic in the step
// marks the run failed with the error's text; a panic is answered as a 500 naming the request id.
//
// A run whose process died (a crash, a kill, a lost machine) stays recorded as running. Such a run is
// abandoned: its lock is free. It is marked failed, with AbandonedError and the time it was found as
// ended_at, when the next run of its resource and parameters starts (it holds the lock then), and by
// [Sweep] for every key whose lock is free, which an application calls when it starts. On PostgreSQL
// the advisory lock tells exactly (the server frees a session's locks when its connection ends); on
// SQLite only the process's own locks are known, so, as for overlaps, one process is assumed to own
// the database file.
package nonmodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// DefaultRunTable is where runs are recorded unless Options.RunTable says otherwise.
const DefaultRunTable = "processing_run"

// AbandonedError is the error recorded for an abandoned run: one found running while no process held
// its lock.
const AbandonedError = "abandoned: the process running it stopped before recording its end"

// PreProcessDataFunc does a non-model resource's work before its list is read.
type PreProcessDataFunc func(ctx context.Context, b *resource.Bundle) error

// PreProcessDataOverrider overrides PreProcessData, as resource's one-method interfaces override the
// other steps: next is the default (which does nothing). resource.New refuses a PreProcessData method
// that cannot override it (a wrong signature, a pointer receiver on a value).
type PreProcessDataOverrider interface {
	PreProcessData(ctx context.Context, b *resource.Bundle, next PreProcessDataFunc) error
}

// Options is what a non-model resource adds to its Meta.
type Options struct {
	// Params is the parameters struct (a value or a pointer); nil: the resource takes no parameters.
	Params any
	// WaitIfRunning makes a trigger that overlaps a run of the same parameters wait for it and answer
	// with its outcome (the list, when it succeeded; a failed run is retried by the waiter) instead of
	// answering 409 RUN_IN_PROGRESS.
	WaitIfRunning bool
	// RunTable is the table runs are recorded in; DefaultRunTable when empty. RunTableStatements and
	// EnsureRunTable make it (id, resource, parameters, user_id, username, started_at, ended_at, status,
	// error); a table of an earlier definition, with parameters as TEXT, is still written and read.
	RunTable string
}

// Resource is a non-model resource: a description that [resource.New] binds into an API. Create it
// with [New]; wrap it in a type of your own that has a PreProcessData method. As for a model resource,
// binding keeps nothing on the value: one value can serve several APIs, and New can be retried.
type Resource struct {
	list   *modelresource.Resource
	opts   Options
	params *paramSpec
}

// bound is a non-model resource bound into one API: Bind makes one per API.
type bound struct {
	*Resource
	// Set by Bind and Link, only read afterwards.
	name   string
	db     *dialect.DB
	d      dialect.Dialect
	logger *slog.Logger
	runs   *runStore
	locks  *locks
	lockNS string // the PostgreSQL schema, so that tests on separate schemas do not exclude each other
	// keyNS starts the keys of the in-process locks: the database handle and the run table.
	keyNS string
	pre   PreProcessDataFunc
}

// New returns a non-model resource: meta names its query's table (Meta.Table) and its filters,
// ordering and pages as for a model resource; its methods are GET only. A malformed Options.Params is
// reported when the API is built.
func New(meta resource.Meta, opts Options) *Resource {
	if opts.RunTable == "" {
		opts.RunTable = DefaultRunTable
	}
	meta.ListMethods, meta.DetailMethods = []string{"get"}, []string{"get"}
	r := &Resource{opts: opts}
	spec, err := newParamSpec(opts.Params)
	if err == nil {
		r.params = spec
		meta.ExtraParams = append(append([]string(nil), meta.ExtraParams...), spec.names()...)
		meta.GETParamsRequired = append(append([]string(nil), meta.GETParamsRequired...), spec.required()...)
	} else {
		r.params = &paramSpec{}
		r.opts.Params = err // reported by Bind
	}
	r.list = modelresource.New(meta)
	return r
}

func (r *Resource) nonModel() {}

// Meta returns the resource's description.
func (r *Resource) Meta() *resource.Meta { return r.list.Meta() }

// List returns the model resource that serves the query, for overrides that need its columns or its
// database handle (List().Column("campaign_id"), List().DB(ctx)).
func (r *Resource) List() *modelresource.Resource { return r.list }

// Bind binds the query's model resource and checks the run table; see [resource.Resource].
func (r *Resource) Bind(ctx context.Context, env *resource.Env) (*resource.Binding, error) {
	if err, ok := r.opts.Params.(error); ok {
		return nil, err
	}
	inner, err := r.list.Bind(ctx, env)
	if err != nil {
		return nil, err
	}
	if _, err := env.Dialect.DescribeTable(ctx, env.DB.SQL(), r.opts.RunTable); err != nil {
		return nil, fmt.Errorf("the run table %q: %w (create it with nonmodel.EnsureRunTable, or RunTableStatements in a migration)", r.opts.RunTable, err)
	}
	st, err := r.bindRuns(ctx, env.DB, env.Dialect, env.Logger)
	if err != nil {
		return nil, err
	}
	st.runs.observer, _ = env.Observer.(RunObserver)
	return st.binding(inner), nil
}

// bindRuns returns the resource's state in the API whose database is db: its run table and locks.
func (r *Resource) bindRuns(ctx context.Context, db *dialect.DB, d dialect.Dialect, logger *slog.Logger) (*bound, error) {
	st := &bound{Resource: r, name: r.list.Meta().ResourceName, db: db, d: d, logger: logger, locks: processLocks}
	st.runs = newRunStore(db, d, r.opts.RunTable)
	st.keyNS = fmt.Sprintf("%p %s ", db.SQL(), r.opts.RunTable)
	if d.Name() == dialect.Postgres {
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&st.lockNS); err != nil {
			return nil, fmt.Errorf("reading the current schema: %w", err)
		}
	}
	return st, nil
}

// binding is the API's binding of the resource: the query's model resource's reads, run first.
func (r *bound) binding(inner *resource.Binding) *resource.Binding {
	def := inner.Steps
	// A binding of its own: the model resource's reads, a list's (or a CSV list's) after the run, and
	// none of its writes.
	out := &resource.Binding{
		Steps: resource.Steps{
			ValidateFilters: def.ValidateFilters,
			BuildFilters:    def.BuildFilters,
			ApplyFilters:    def.ApplyFilters,
			GetObjectList:   def.GetObjectList,
			ObjGetList:      r.objGetList(def.ObjGetList),
			ObjStreamList:   r.objStreamList(def.ObjStreamList),
			ObjGet:          def.ObjGet,
			Dehydrate:       def.Dehydrate,
		},
		OwnSteps:    []reflect.Type{reflect.TypeFor[PreProcessDataOverrider]()},
		Relations:   inner.Relations,
		Impl:        inner.Impl,
		SchemaExtra: map[string]any{"params": r.params.schema()},
	}
	out.Link = func(lookup func(string) (*resource.Bound, bool)) error {
		if inner.Link != nil {
			if err := inner.Link(lookup); err != nil {
				return err
			}
		}
		out.Fields, out.Filtering, out.Ordering = inner.Fields, inner.Filtering, inner.Ordering
		out.Relations, out.ToMany, out.SubLists = inner.Relations, inner.ToMany, inner.SubLists
		r.pre = func(context.Context, *resource.Bundle) error { return nil }
		if self, ok := lookup(r.name); ok {
			if o, ok := self.Self.(PreProcessDataOverrider); ok {
				def := r.pre
				r.pre = func(ctx context.Context, b *resource.Bundle) error { return o.PreProcessData(ctx, b, def) }
			}
		}
		return nil
	}
	return out
}

// objGetList runs the work before a list GET reads the list.
func (r *bound) objGetList(next resource.ObjGetListFunc) resource.ObjGetListFunc {
	return func(ctx context.Context, b *resource.Bundle) (*resource.Page, error) {
		if b.Kind != resource.KindList {
			return next(ctx, b)
		}
		ctx, err := r.run(ctx, b)
		if err != nil {
			return nil, err
		}
		return next(ctx, b)
	}
}

// objStreamList runs the work before a CSV list streams the list.
func (r *bound) objStreamList(next resource.ObjStreamListFunc) resource.ObjStreamListFunc {
	return func(ctx context.Context, b *resource.Bundle, each func(*resource.Object) error) error {
		ctx, err := r.run(ctx, b)
		if err != nil {
			return err
		}
		return next(ctx, b, each)
	}
}

// run runs the work of a list request and returns the context the list is read with (carrying the
// parameters): the parameters are decoded and the filters checked first, so that a bad request runs
// nothing.
func (r *bound) run(ctx context.Context, b *resource.Bundle) (context.Context, error) {
	p, canon, err := r.params.decode(b.Query)
	if err != nil {
		return ctx, err
	}
	if err := b.Resource.Steps.ValidateFilters(ctx, b); err != nil {
		return ctx, err
	}
	if err := r.list.CheckOrdering(ctx, b.Query); err != nil {
		return ctx, err
	}
	if p != nil {
		ctx = context.WithValue(ctx, paramsKey{}, p)
	}
	run, err := r.execute(ctx, b, canon)
	if sink, ok := ctx.Value(sinkKey{}).(func(*Run)); ok && run != nil {
		sink(run)
	}
	return ctx, err
}

// execute takes the lock of the resource and parameters, records the run, does the work on a context
// detached from the request's cancellation, and records its end.
func (r *bound) execute(ctx context.Context, b *resource.Bundle, params string) (*Run, error) {
	// A run changes things: it starts only once the request's credentials are confirmed.
	if err := resource.ConfirmAuthentication(ctx); err != nil {
		return nil, err
	}
	busy := apierror.New(apierror.RunInProgress, "A run of %q with these parameters is in progress; try again when it ends.", r.name).
		With("resource", r.name).With("parameters", params)
	// Runs of this key that had ended before this trigger: one that ends while it waits is the run it waited for.
	before, err := r.runs.lastEnded(ctx, r.name, params)
	if err != nil {
		return nil, err
	}
	release, waited, err := r.lock(ctx, params, r.opts.WaitIfRunning)
	if errors.Is(err, errBusy) {
		r.runs.report(r.name, OutcomeInProgress)
		return nil, busy
	}
	if err != nil {
		return nil, err
	}
	defer release()
	work := context.WithoutCancel(ctx)
	if waited {
		prev, err := r.runs.endedAfter(work, r.name, params, before)
		if err != nil {
			return nil, err
		}
		if prev != nil && prev.Status == StatusSucceeded {
			prev.Shared = true
			r.runs.report(r.name, OutcomeShared)
			return prev, nil
		}
	}
	// A run of this key still recorded as running is abandoned: this trigger holds its lock.
	if _, err := r.abandon(work, params); err != nil {
		return nil, err
	}
	run, err := r.runs.start(work, r.name, params, b.User)
	if err != nil {
		return nil, err
	}
	stepErr := r.safePreProcess(work, b, run)
	if err := r.runs.finish(work, run, stepErr); err != nil {
		r.logger.ErrorContext(work, "recording the end of a run", "run_id", run.ID, "resource", r.name, "error", err)
	}
	if stepErr != nil {
		return run, answer(stepErr, run, b.RequestID)
	}
	return run, nil
}

// lock takes the locks of the resource with the parameters: the process's, then, on PostgreSQL, the
// advisory lock that excludes other processes. When one is held elsewhere it answers errBusy or, with
// wait, waits for it (reporting waited) until ctx ends. release frees both.
func (r *bound) lock(ctx context.Context, params string, wait bool) (release func(), waited bool, err error) {
	key := r.name + " " + params
	local, waited, err := r.locks.acquire(ctx, r.keyNS+key, wait)
	if err != nil {
		return nil, waited, err
	}
	if r.d.Name() != dialect.Postgres {
		return local, waited, nil
	}
	unlock, pgWaited, err := pgLock(ctx, r.db, lockID(r.lockNS+" "+key), wait)
	if err != nil {
		local()
		return nil, waited || pgWaited, err
	}
	return func() { unlock(); local() }, waited || pgWaited, nil
}

// abandon marks the key's runs still recorded as running failed, as abandoned, and logs them; the
// caller holds the key's locks.
func (r *bound) abandon(ctx context.Context, params string) ([]int64, error) {
	ids, err := r.runs.abandon(ctx, r.name, params)
	if err != nil {
		return nil, fmt.Errorf("marking abandoned runs failed: %w", err)
	}
	if len(ids) > 0 {
		r.logger.WarnContext(ctx, "marked abandoned runs failed", "resource", r.name, "parameters", params, "run_ids", ids)
	}
	return ids, nil
}

// sweepIn sweeps the resource's runs in api's database.
func (r *Resource) sweepIn(ctx context.Context, api *resource.API) ([]int64, error) {
	st, err := r.bindRuns(ctx, api.DB(), api.Dialect(), api.Logger())
	if err != nil {
		return nil, err
	}
	st.runs.observer, _ = api.Observer().(RunObserver)
	return st.sweep(ctx)
}

// sweep marks abandoned the resource's runs recorded as running whose locks are free, key by key,
// taking each key's locks without waiting; a key whose run is in progress is left alone.
func (r *bound) sweep(ctx context.Context) ([]int64, error) {
	keys, err := r.runs.runningParams(ctx, r.name)
	if err != nil {
		return nil, fmt.Errorf("looking for running runs of %q: %w", r.name, err)
	}
	var swept []int64
	for _, params := range keys {
		release, _, err := r.lock(ctx, params, false)
		if errors.Is(err, errBusy) {
			continue
		}
		if err != nil {
			return swept, err
		}
		ids, err := r.abandon(ctx, params)
		release()
		if err != nil {
			return swept, err
		}
		swept = append(swept, ids...)
	}
	return swept, nil
}

// Sweep marks failed, with AbandonedError, every run of api's non-model resources that is recorded as
// running while no process holds its lock (see the package's documentation), and returns their ids.
// Runs in progress, in this process or (on PostgreSQL) in another, are left alone. An application
// calls it when it starts; the next run of a key sweeps that key's runs itself.
func Sweep(ctx context.Context, api *resource.API) ([]int64, error) {
	var swept []int64
	for _, name := range api.Names() {
		res, _ := api.Resource(name)
		r, ok := res.Self.(interface {
			nonModel()
			sweepIn(context.Context, *resource.API) ([]int64, error)
		})
		if !ok {
			continue
		}
		ids, err := r.sweepIn(ctx, api)
		swept = append(swept, ids...)
		if err != nil {
			return swept, err
		}
	}
	return swept, nil
}

// panicError is a panic of PreProcessData turned into an error.
type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func (r *bound) safePreProcess(ctx context.Context, b *resource.Bundle, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.ErrorContext(ctx, "panic in PreProcessData", "resource", r.name, "run_id", run.ID,
				"request_id", b.RequestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = panicError{p}
		}
	}()
	return r.pre(ctx, b)
}

// answer is the error a failed run is answered with: the step's own API error, or a 500 that names the
// request (whose log line has the cause), with the run's id either way.
func answer(err error, run *Run, requestID string) error {
	if e := apierror.As(err); e != nil {
		return e.With("run_id", run.ID)
	}
	msg := fmt.Sprintf("Run %d of %q failed with an internal error", run.ID, run.Resource)
	if requestID != "" {
		msg += "; it was logged with request id " + requestID
	}
	return apierror.New(apierror.Internal, "%s.", msg).With("run_id", run.ID).Wrap(err)
}
