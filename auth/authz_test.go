package auth_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

// The eight Tastypie authorization methods.
const (
	readList     = "ReadList"
	readDetail   = "ReadDetail"
	createList   = "CreateList"
	createDetail = "CreateDetail"
	updateList   = "UpdateList"
	updateDetail = "UpdateDetail"
	deleteList   = "DeleteList"
	deleteDetail = "DeleteDetail"
)

var (
	authzMethods = []string{readList, readDetail, createList, createDetail, updateList, updateDetail, deleteList, deleteDetail}
	listMethods  = []string{readList, updateList, deleteList} // those that return a condition
)

func isRead(m string) bool { return m == readList || m == readDetail }

func hasCondition(m string) bool { return m == readList || m == updateList || m == deleteList }

// invoke calls one method of an authorization; the condition is nil for methods that return none.
func invoke(ctx context.Context, az resource.Authorization, m string, b *resource.Bundle, obj *resource.Object, data map[string]any) (sq.Sqlizer, error) {
	switch m {
	case readList:
		return az.ReadList(ctx, b)
	case readDetail:
		return nil, az.ReadDetail(ctx, b, obj)
	case createList:
		return nil, az.CreateList(ctx, b)
	case createDetail:
		return nil, az.CreateDetail(ctx, b, data)
	case updateList:
		return az.UpdateList(ctx, b)
	case updateDetail:
		return nil, az.UpdateDetail(ctx, b, obj)
	case deleteList:
		return az.DeleteList(ctx, b)
	case deleteDetail:
		return nil, az.DeleteDetail(ctx, b, obj)
	}
	panic("no method " + m)
}

var (
	plainUser = &resource.User{ID: 5, Username: "plain"}
	superUser = &resource.User{ID: 6, Username: "root", Superuser: true}
)

func bundle(user *resource.User, method string) *resource.Bundle {
	return &resource.Bundle{Resource: &resource.Bound{Name: "x"}, User: user, Method: method}
}

func userName(u *resource.User) string {
	if u == nil {
		return "anonymous"
	}
	return u.Username
}

func TestReadOnly(t *testing.T) {
	for _, user := range []*resource.User{nil, plainUser, superUser} {
		for _, m := range authzMethods {
			t.Run(userName(user)+"/"+m, func(t *testing.T) {
				cond, err := invoke(context.Background(), auth.ReadOnly{}, m, bundle(user, http.MethodGet), &resource.Object{}, map[string]any{"a": 1})
				if cond != nil {
					t.Errorf("condition = %v, want none", cond)
				}
				if isRead(m) {
					if err != nil {
						t.Errorf("err = %v, want reads allowed", err)
					}
					return
				}
				checkAPIError(t, err, apierror.Forbidden, "read-only")
				if got := apierror.Status(apierror.CodeOf(err)); got != http.StatusForbidden {
					t.Errorf("status = %d, want 403", got)
				}
			})
		}
	}
}

func TestSuperuserWrites(t *testing.T) {
	for _, user := range []*resource.User{nil, plainUser, superUser} {
		for _, m := range authzMethods {
			t.Run(userName(user)+"/"+m, func(t *testing.T) {
				cond, err := invoke(context.Background(), auth.SuperuserWrites{}, m, bundle(user, http.MethodPost), &resource.Object{}, map[string]any{"a": 1})
				if cond != nil {
					t.Errorf("condition = %v, want none", cond)
				}
				if isRead(m) || (user != nil && user.Superuser) {
					if err != nil {
						t.Errorf("err = %v, want allowed", err)
					}
					return
				}
				checkAPIError(t, err, apierror.Forbidden, "Only a superuser may change x.")
			})
		}
	}
}

// recorder builds Rules whose every function records its call and answers with cond and err.
type recorder struct {
	calls map[string]int
	ctx   map[string]context.Context
	b     map[string]*resource.Bundle
	obj   map[string]*resource.Object
	data  map[string]map[string]any
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, ctx: map[string]context.Context{}, b: map[string]*resource.Bundle{},
		obj: map[string]*resource.Object{}, data: map[string]map[string]any{}}
}

func (r *recorder) rules(cond sq.Sqlizer, err error) auth.Rules {
	list := func(m string) func(context.Context, *resource.Bundle) (sq.Sqlizer, error) {
		return func(ctx context.Context, b *resource.Bundle) (sq.Sqlizer, error) {
			r.calls[m]++
			r.ctx[m], r.b[m] = ctx, b
			return cond, err
		}
	}
	detail := func(m string) func(context.Context, *resource.Bundle, *resource.Object) error {
		return func(ctx context.Context, b *resource.Bundle, obj *resource.Object) error {
			r.calls[m]++
			r.ctx[m], r.b[m], r.obj[m] = ctx, b, obj
			return err
		}
	}
	return auth.Rules{
		ReadListFunc:   list(readList),
		ReadDetailFunc: detail(readDetail),
		CreateListFunc: func(ctx context.Context, b *resource.Bundle) error {
			r.calls[createList]++
			r.ctx[createList], r.b[createList] = ctx, b
			return err
		},
		CreateDetailFunc: func(ctx context.Context, b *resource.Bundle, data map[string]any) error {
			r.calls[createDetail]++
			r.ctx[createDetail], r.b[createDetail], r.data[createDetail] = ctx, b, data
			return err
		},
		UpdateListFunc:   list(updateList),
		UpdateDetailFunc: detail(updateDetail),
		DeleteListFunc:   list(deleteList),
		DeleteDetailFunc: detail(deleteDetail),
	}
}

type ctxMark struct{}

func TestRulesNilFuncsAllow(t *testing.T) {
	for _, user := range []*resource.User{nil, plainUser} {
		for _, m := range authzMethods {
			cond, err := invoke(context.Background(), auth.Rules{}, m, bundle(user, http.MethodDelete), &resource.Object{}, nil)
			if cond != nil || err != nil {
				t.Errorf("%s, %s: Rules{} = %v, %v; want allowed without condition", userName(user), m, cond, err)
			}
		}
	}
}

func TestRulesCallTheirFunctions(t *testing.T) {
	refusal := apierror.New(apierror.Forbidden, "No.")
	tests := []struct {
		name string
		cond sq.Sqlizer
		err  error
	}{
		{"allow", nil, nil},
		{"narrow", sq.Eq{"owner_id": 5}, nil},
		{"refuse", nil, refusal},
	}
	for _, tt := range tests {
		for _, m := range authzMethods {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				rec := newRecorder()
				ctx := context.WithValue(context.Background(), ctxMark{}, m)
				b, obj, data := bundle(plainUser, http.MethodPut), &resource.Object{}, map[string]any{"name": m}
				cond, err := invoke(ctx, rec.rules(tt.cond, tt.err), m, b, obj, data)
				if err != tt.err {
					t.Errorf("err = %v, want %v", err, tt.err)
				}
				wantCond := tt.cond
				if !hasCondition(m) {
					wantCond = nil
				}
				if !reflect.DeepEqual(cond, wantCond) {
					t.Errorf("condition = %#v, want %#v", cond, wantCond)
				}
				for _, other := range authzMethods {
					want := 0
					if other == m {
						want = 1
					}
					if rec.calls[other] != want {
						t.Errorf("%sFunc called %d times, want %d", other, rec.calls[other], want)
					}
				}
				if rec.ctx[m] == nil || rec.ctx[m].Value(ctxMark{}) != m {
					t.Error("the function did not get the caller's context")
				}
				if rec.b[m] != b {
					t.Error("the function did not get the bundle")
				}
				switch m {
				case readDetail, updateDetail, deleteDetail:
					if rec.obj[m] != obj {
						t.Error("the function did not get the object")
					}
				case createDetail:
					if !reflect.DeepEqual(rec.data[m], data) {
						t.Errorf("the function got data %v, want %v", rec.data[m], data)
					}
				}
			})
		}
	}
}

func TestAllConditions(t *testing.T) {
	cond := func(c sq.Sqlizer) auth.Rules {
		f := func(context.Context, *resource.Bundle) (sq.Sqlizer, error) { return c, nil }
		return auth.Rules{ReadListFunc: f, UpdateListFunc: f, DeleteListFunc: f}
	}
	tests := []struct {
		name     string
		all      auth.All
		wantSQL  string // "" for no condition
		wantArgs []any
	}{
		{name: "no members", all: auth.All{}},
		{name: "nil All", all: nil},
		{name: "members without conditions", all: auth.All{auth.Rules{}, resource.AllowAll{}, auth.SuperuserWrites{}}},
		{name: "one condition", all: auth.All{auth.Rules{}, cond(sq.Eq{"a": 1})},
			wantSQL: "(a = ?)", wantArgs: []any{1}},
		{name: "two conditions ANDed", all: auth.All{cond(sq.Eq{"a": 1}), auth.Rules{}, cond(sq.Expr("b > ?", 2))},
			wantSQL: "(a = ? AND b > ?)", wantArgs: []any{1, 2}},
		{name: "three conditions in member order", all: auth.All{cond(sq.Expr("c IN (?,?)", "x", "y")), cond(sq.Eq{"a": 1}), cond(sq.Expr("b > ?", 2))},
			wantSQL: "(c IN (?,?) AND a = ? AND b > ?)", wantArgs: []any{"x", "y", 1, 2}},
		{name: "nested All", all: auth.All{cond(sq.Eq{"a": 1}), auth.All{cond(sq.Eq{"b": 2}), cond(sq.Eq{"c": 3})}},
			wantSQL: "(a = ? AND (b = ? AND c = ?))", wantArgs: []any{1, 2, 3}},
	}
	for _, tt := range tests {
		for _, m := range listMethods {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				got, err := invoke(context.Background(), tt.all, m, bundle(superUser, http.MethodGet), nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantSQL == "" {
					if got != nil {
						t.Errorf("condition = %#v, want nil", got)
					}
					return
				}
				if _, ok := got.(sq.And); !ok {
					t.Errorf("condition is a %T, want sq.And", got)
				}
				sql, args, err := got.ToSql()
				if err != nil {
					t.Fatal(err)
				}
				if sql != tt.wantSQL || !reflect.DeepEqual(args, tt.wantArgs) {
					t.Errorf("ToSql = %q %v, want %q %v", sql, args, tt.wantSQL, tt.wantArgs)
				}
			})
		}
	}
}

func TestAllAsksEveryMemberAndFirstRefusalWins(t *testing.T) {
	errFirst := apierror.New(apierror.Forbidden, "First refusal.")
	errSecond := apierror.New(apierror.Forbidden, "Second refusal.")
	type member struct {
		cond sq.Sqlizer
		err  error
	}
	tests := []struct {
		name      string
		members   []member
		wantErr   error
		wantCalls []int // how many times each member was asked
	}{
		{name: "all allow: every member asked", members: []member{{}, {cond: sq.Eq{"a": 1}}, {}}, wantCalls: []int{1, 1, 1}},
		{name: "first refuses", members: []member{{err: errFirst}, {}, {}}, wantErr: errFirst, wantCalls: []int{1, 0, 0}},
		{name: "middle refuses", members: []member{{}, {err: errFirst}, {}}, wantErr: errFirst, wantCalls: []int{1, 1, 0}},
		{name: "last refuses", members: []member{{}, {}, {err: errFirst}}, wantErr: errFirst, wantCalls: []int{1, 1, 1}},
		{name: "two refuse: the first wins", members: []member{{}, {err: errFirst}, {err: errSecond}}, wantErr: errFirst, wantCalls: []int{1, 1, 0}},
	}
	for _, tt := range tests {
		for _, m := range authzMethods {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				recs := make([]*recorder, len(tt.members))
				var all auth.All
				for i, mem := range tt.members {
					recs[i] = newRecorder()
					all = append(all, recs[i].rules(mem.cond, mem.err))
				}
				ctx := context.WithValue(context.Background(), ctxMark{}, "all")
				b, obj, data := bundle(plainUser, http.MethodPatch), &resource.Object{}, map[string]any{"k": 1}
				cond, err := invoke(ctx, all, m, b, obj, data)
				if err != tt.wantErr {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if err != nil && cond != nil {
					t.Errorf("condition %v returned with a refusal", cond)
				}
				for i, rec := range recs {
					if rec.calls[m] != tt.wantCalls[i] {
						t.Errorf("member %d asked %d times, want %d", i, rec.calls[m], tt.wantCalls[i])
					}
					if rec.calls[m] > 0 && (rec.b[m] != b || rec.ctx[m].Value(ctxMark{}) != "all") {
						t.Errorf("member %d did not get the caller's context and bundle", i)
					}
				}
			})
		}
	}
}

// All of the package's own authorizations: the strictest wins.
func TestAllCombined(t *testing.T) {
	all := auth.All{auth.SuperuserWrites{}, auth.ReadOnly{}}
	for _, user := range []*resource.User{nil, plainUser, superUser} {
		for _, m := range authzMethods {
			_, err := invoke(context.Background(), all, m, bundle(user, http.MethodGet), &resource.Object{}, nil)
			switch {
			case isRead(m):
				if err != nil {
					t.Errorf("%s %s: %v, want allowed", userName(user), m, err)
				}
			case user == superUser:
				if !strings.Contains(err.Error(), "read-only") {
					t.Errorf("%s %s: %v, want ReadOnly's refusal", userName(user), m, err)
				}
			default:
				if !strings.Contains(err.Error(), "superuser") {
					t.Errorf("%s %s: %v, want SuperuserWrites' refusal (it comes first)", userName(user), m, err)
				}
			}
		}
	}
}
