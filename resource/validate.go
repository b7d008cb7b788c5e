package resource

import (
	"context"
	"sort"
	"strings"

	"github.com/tastygo/tastygo/apierror"
)

// The steps Tastypie's users reach for beside the request's own: Validate (Validation.is_valid) and the
// alter_*_data_to_serialize hooks. They are overridden as every step is (see the package
// documentation).

// ValidateFunc checks a write's body, b.Data, once Hydrate has prepared it. It reports every problem
// of the body at once, as one VALIDATION_ERROR whose details.fields maps each field to its problem
// ([FieldErrors.Err] builds it). b.Partial is true for a PATCH, whose body holds only the fields it
// changes. The default accepts every body: the implementation's own checks (types, lengths, required
// fields) run when the object is written.
type ValidateFunc func(ctx context.Context, b *Bundle) error

// AlterListDataFunc changes a list's answer in place before it is written.
type AlterListDataFunc func(ctx context.Context, b *Bundle, list *ListResult) error

// AlterDetailDataFunc changes one object's answer in place before it is written; obj has been through
// Dehydrate and fields=.
type AlterDetailDataFunc func(ctx context.Context, b *Bundle, obj *Object) error

// ValidateOverrider overrides Validate.
type ValidateOverrider interface {
	Validate(ctx context.Context, b *Bundle, next ValidateFunc) error
}

// AlterListDataOverrider overrides AlterListData.
type AlterListDataOverrider interface {
	AlterListData(ctx context.Context, b *Bundle, list *ListResult, next AlterListDataFunc) error
}

// AlterDetailDataOverrider overrides AlterDetailData.
type AlterDetailDataOverrider interface {
	AlterDetailData(ctx context.Context, b *Bundle, obj *Object, next AlterDetailDataFunc) error
}

// FieldErrors gathers a body's problems, field name → problem, for a Validate override:
//
//	errs := resource.FieldErrors{}
//	if len(title) < 2 {
//		errs["title"] = "Titles have at least 2 characters."
//	}
//	if err := errs.Err(); err != nil {
//		return err
//	}
//	return next(ctx, b)
type FieldErrors map[string]string

// Err returns nil when there is no problem, or one 400 VALIDATION_ERROR naming every field, with
// details.fields holding e (the shape of the implementation's own checks).
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	fields := make(map[string]any, len(e))
	for i, k := range keys {
		parts[i] = "'" + k + "': " + strings.TrimSuffix(e[k], ".")
		fields[k] = e[k]
	}
	return apierror.New(apierror.ValidationError, "Invalid data: %s.", strings.Join(parts, "; ")).With("fields", fields)
}

// validateAfterHydrate makes s.Hydrate run s.Validate after it: whoever hydrates a body validates it.
func validateAfterHydrate(s *Steps) {
	hydrate, validate := s.Hydrate, s.Validate
	s.Hydrate = func(ctx context.Context, b *Bundle) error {
		if err := hydrate(ctx, b); err != nil {
			return err
		}
		return validate(ctx, b)
	}
}
