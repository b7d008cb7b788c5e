package resource

import (
	"github.com/tastygo/tastygo/filters"
)

// Meta describes a resource, as Tastypie's inner Meta class does. It is plain data, read once when the
// API is built: every name in it is checked then against the table and the other resources, and a
// wrong one stops start-up with an error naming it.
type Meta struct {
	// ResourceName is the URL segment: /api/v1/<ResourceName>/. Required.
	ResourceName string
	// Table is the table a model resource reads and writes. Required for model resources.
	Table string
	// Description is shown by OPTIONS and the OpenAPI document.
	Description string

	// Fields limits the fields shown and accepted to these columns; empty means every column.
	Fields []string
	// Excludes removes columns from the fields.
	Excludes []string
	// ReadOnly lists fields ignored on input, besides the primary key and the timestamps below.
	ReadOnly []string
	// CreatedField and UpdatedField are timestamp columns the server sets, in UTC, whatever a client
	// sends: CreatedField when a row is inserted, UpdatedField on every write of it (POST, PUT, PATCH,
	// PATCH by filter, bulk, nested, the engine), one instant per write. Empty: created_at and
	// updated_at, when the table has them.
	CreatedField string
	UpdatedField string
	// FieldOptions adds what the database cannot say about a field: choices, help text, a type.
	FieldOptions map[string]FieldOptions

	// Relations declares to-one relations by name, each through a foreign-key column. Foreign keys whose
	// column ends in "_id" and whose table one registered resource serves are declared automatically
	// (location_id → "location"); an entry here adds or corrects one.
	Relations map[string]Relation
	// ToMany declares to-many relations, each the reverse of a to-one relation of another resource:
	// "datapoints": {Resource: "datapoint", Via: "location"}. Each is listed under its object; depth=
	// expands those marked Expand.
	ToMany map[string]ToMany
	// ManyToMany declares many-to-many fields by name, each through a join table holding one row per
	// membership: "accounts": {Table: "user_accounts", Column: "userid", OtherColumn: "accountid",
	// To: "accounts"}. Each object shows the field as the list of the other resource's keys, sorted
	// (empty, never null), loaded with one query per page. A filter field=<key> (and field__in=) keeps
	// the objects with that membership, where Meta.Filtering allows the field (exact and in are the
	// lookups it takes). A write (POST, PUT, PATCH, bulk, array POST, PATCH by filter) giving the list
	// replaces the memberships in the write's transaction; an absent list leaves them; a key that is
	// not one of the other resource's rows the user may read is a 400 VALIDATION_ERROR naming the
	// field. Every DELETE removes the object's memberships first, in its transaction. New checks the
	// table, the columns and that the name is free.
	ManyToMany map[string]ManyToMany
	// Full lists relations (to-one or to-many) always expanded one level, whatever depth= says
	// (Tastypie's full=True).
	Full []string
	// MaxDepth caps depth= (3 when zero).
	MaxDepth int
	// MaxRelationDepth caps how many relations a filter, an order_by term or a query field may go
	// through (campaign__top_lvl_location__name goes through 2); a longer path is a 400 INVALID_FILTER
	// (or INVALID_ORDERING) naming the parameter, refused before any work, and a longer query field
	// stops resource.New. DefaultMaxRelationDepth (4) when zero; at most MaxRelationDepthLimit (10).
	MaxRelationDepth int
	// Computed adds fields that are not in the table, each shown with the value of the resource's
	// Dehydrate<Name> method (see [ComputedField]).
	Computed []ComputedField
	// QueryFields adds read-only fields taken through to-one relations, named by their path:
	// "campaign__name" shows the campaign's name beside campaign_id.
	QueryFields []string

	// Filtering maps a field (or relation) name to the lookups allowed on it: a list, [All], or
	// [AllWithRelations]. The key [EveryField] applies to every field not listed by name.
	Filtering map[string]Lookups
	// FilterAliases gives fields (or relations, or many-to-many fields) a second public filter name:
	// "status": "jobstatus" lets status=1 and status__in=1,2 filter on jobstatus, with the lookups
	// Filtering allows on jobstatus (list the field in Filtering, not the alias); the field's own name
	// keeps working. An alias naming no field, or taken already by a field, a relation or a reserved
	// parameter, stops New with an error naming it. The schema and the OpenAPI document list the
	// aliases among the filters.
	FilterAliases map[string]string
	// Ordering lists the fields that order_by accepts.
	Ordering []string
	// SearchFields are the text fields search= looks in, as Django REST framework's SearchFilter does:
	// the value's terms (split on whitespace and commas, a quoted phrase kept whole) must each be
	// contained, case-insensitively, in at least one of them. Empty: search= is not a parameter of the
	// resource. It works in both wire styles.
	SearchFields []string

	// ListMethods and DetailMethods are the HTTP methods allowed on the list and on one object,
	// lower-case as in Tastypie. Empty means get, post, patch and delete on the list, and get, put, patch and
	// delete on an object.
	ListMethods   []string
	DetailMethods []string

	// GETParamsRequired are parameters a GET must carry (Tastypie's GET_params_required).
	GETParamsRequired []string
	// ExtraParams are parameters the resource reads in its own steps; they are not filters.
	ExtraParams []string
	// ExtraParamDocs describe ExtraParams for the OpenAPI document: each one's type and help text (a
	// parameter without one is a string).
	ExtraParamDocs map[string]ParamDoc
	// ListErrorStatuses are error statuses a list GET may answer beyond those the framework knows of
	// (a processing resource's 404 for a missing object named by a parameter, 409 RUN_IN_PROGRESS):
	// the OpenAPI document declares them. Each must be one the document has an answer for: 404, 409,
	// 413, 422.
	ListErrorStatuses []int
	// RequiredFieldsForPost must be present in a POST body.
	RequiredFieldsForPost []string

	// Limit is the default page size (20 when zero); MaxLimit caps it (1000 when zero).
	Limit    int
	MaxLimit int
	// TotalCount says how a list counts its rows for meta.total_count: CountExact (the default) runs
	// count(*); CountEstimate takes the database planner's estimate when it is large (see
	// CountEstimate); CountNone gives null. Without an exact count, next is set when a row follows the
	// page. The schema names the choice.
	TotalCount CountMode
	// CSVExport lets format=csv stream every matching row of the list, beyond MaxLimit, when the
	// request gives no limit (an offset still applies). Without it, and always for JSON, a list is paged.
	CSVExport bool
	// CSVRawText writes text cells of CSV output as they are. By default a text value starting with
	// '=', '+', '-', '@', a tab or a carriage return gets a leading single quote, so that a spreadsheet
	// opening the file shows it instead of running it as a formula (OWASP's CSV injection guidance);
	// numbers are never changed. Config.CSVRawText turns it off for every resource.
	CSVRawText bool
	// FormBodies lets writes of one object (POST on the list, PUT and PATCH on an object) send a form,
	// application/x-www-form-urlencoded or multipart/form-data, besides JSON: each form field sets the
	// field of its name (as a JSON string would; empty is null for a field that is not text), and a
	// file part sets its field to the file's content as text (Bundle.Uploads describes it). Off by
	// default: a web page of any origin can make a browser send a form without asking CORS first, so
	// turn it on where credentials are not sent by the browser on its own (API keys in a header, not
	// cookies or remembered Basic credentials) or where the write is harmless.
	FormBodies bool
	// MaxBodyObjects caps the objects one write may carry: an array POST, or a bulk PATCH's objects and
	// deleted_objects together (413 BODY_TOO_LARGE beyond). Zero takes Config.MaxBodyObjects, whose zero
	// is DefaultMaxBodyObjects (10,000).
	MaxBodyObjects int
	// QuietWrites turns Tastypie's always_return_data off: POST answers 201 with an empty body, PUT 204,
	// PATCH 202 empty. By default writes return the object as a following GET would show it.
	QuietWrites bool
	// CacheControl is the Cache-Control header of the resource's successful GET and HEAD answers, used
	// as given ("private, max-age=60"). When empty, every answer to a request that was authenticated
	// or carried credentials says "no-store", so that no browser or shared cache keeps what a user may
	// read; an error answer to such a request always does.
	CacheControl string

	// Authentication decides who is asking; nil allows everyone.
	Authentication Authentication
	// Authorization decides what they may do; nil allows everything.
	Authorization Authorization
	// Throttle limits how often clients may call the resource (429 THROTTLED beyond); nil takes
	// Config.Throttle, and no throttling when that is nil too.
	Throttle Throttle
}

// CountMode is how a list counts the rows it matches (Meta.TotalCount).
type CountMode string

// The ways to count a list.
const (
	// CountExact runs count(*) with the list's conditions: exact, and on a huge table the slowest part
	// of the request.
	CountExact CountMode = "exact"
	// CountEstimate asks the database's planner how many rows the list's query returns; at or above
	// EstimateThreshold rows that estimate is total_count (meta.total_count_estimated is true), below it
	// the count is exact. SQLite keeps no such estimates: there the count is exact. When the page is the
	// last one, the count is exact whatever the estimate said.
	CountEstimate CountMode = "estimate"
	// CountNone skips the count: total_count is null.
	CountNone CountMode = "none"
)

// EstimateThreshold is the estimate at and above which CountEstimate reports the estimate.
const EstimateThreshold = 10000

// Relation paths: how many relations a filter, an order_by term or a query field may go through.
const (
	// DefaultMaxRelationDepth is Meta.MaxRelationDepth when zero: four relations, enough to walk a
	// five-level tree from a leaf to its root (parent__parent__parent__parent__name).
	DefaultMaxRelationDepth = 4
	// MaxRelationDepthLimit is the most Meta.MaxRelationDepth may say: each relation is a join, and a
	// query of dozens of joins is a denial of service, not a query.
	MaxRelationDepthLimit = 10
)

// FieldOptions describes a field beyond its column.
type FieldOptions struct {
	Choices     []string
	HelpText    string
	VerboseName string
	ReadOnly    bool
	// MinValue and MaxValue bound the field's values as the database's CHECK constraint does
	// (admin_level BETWEEN 0 AND 4, latitude BETWEEN -90 AND 90; whole numbers, on a float field too):
	// /schema/, OPTIONS and the OpenAPI document show them, and a write outside them is a 400
	// VALIDATION_ERROR whose details.fields names the field, before the database is asked.
	MinValue, MaxValue *int64
	// ServerSet marks a field the server sets (an override of Hydrate writes it whatever the client
	// sends): the schema and the OpenAPI document show it read-only, while the model still writes
	// the value the override puts in the data.
	ServerSet bool
}

// Relation is a to-one relation through a foreign-key column.
type Relation struct {
	// Column is the foreign-key column of this resource's table: "location_id".
	Column string
	// To is the related resource's name: "location".
	To string
}

// ManyToMany is a many-to-many field through a join table (Meta.ManyToMany).
type ManyToMany struct {
	// Table is the join table: "user_accounts".
	Table string
	// Column is the join table's column holding this resource's key: "userid".
	Column string
	// OtherColumn is the join table's column holding the other resource's key: "accountid".
	OtherColumn string
	// To is the other resource's name: "accounts".
	To string
}

// ToMany is a to-many relation: the objects of Resource whose to-one relation Via points at this one.
// It is always listed at /<name>/<key>/<relation>/; depth= expands it into each object only when
// Expand is set (or the relation is in Meta.Full), since a to-many relation can be large.
type ToMany struct {
	Resource string
	Via      string
	Expand   bool
}

// Lookups is the list of lookups allowed on a field, or one of the markers All and AllWithRelations.
type Lookups []filters.Lookup

const (
	allLookups       filters.Lookup = "__all__"
	allWithRelations filters.Lookup = "__all_with_relations__"
)

// All allows every lookup that suits the field's type (Tastypie's ALL).
var All = Lookups{allLookups}

// AllWithRelations allows every lookup, and on a relation every filter the related resource allows
// (Tastypie's ALL_WITH_RELATIONS).
var AllWithRelations = Lookups{allWithRelations}

// EveryField as a Filtering key applies its lookups to every field not named otherwise.
const EveryField = "*"

// IsAll reports whether l is All or AllWithRelations.
func (l Lookups) IsAll() bool {
	return len(l) == 1 && (l[0] == allLookups || l[0] == allWithRelations)
}

// WithRelations reports whether l is AllWithRelations.
func (l Lookups) WithRelations() bool { return len(l) == 1 && l[0] == allWithRelations }

// ParamDoc describes a parameter of Meta.ExtraParams in the OpenAPI document.
type ParamDoc struct {
	// Type is integer, float, boolean or string ("" is string).
	Type     string
	HelpText string
	// MinValue and MaxValue bound an integer or float parameter; nil for none.
	MinValue, MaxValue *int64
}
