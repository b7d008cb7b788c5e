package modelresource

import (
	"context"

	"github.com/tastygo/tastygo/dialect"
)

// lockObject locks the row of the object with the key for the rest of the transaction ctx carries:
// SELECT ... FOR UPDATE on PostgreSQL; on SQLite, which has no row locks, a write of the row that
// changes nothing takes the database's write lock. A key that does not parse locks nothing.
func (r *model) lockObject(ctx context.Context, key string) error {
	k, ok := r.parseKey(key)
	if !ok {
		return nil
	}
	t, pk := r.d.Quote(r.meta.Table), r.d.Quote(r.pk.Name)
	stmt := "UPDATE " + t + " SET " + pk + " = " + pk + " WHERE " + pk + " = ?"
	if r.d.Name() == dialect.Postgres {
		stmt = "SELECT 1 FROM " + t + " WHERE " + pk + " = ? FOR UPDATE"
	}
	rows, err := r.db(ctx).QueryContext(ctx, r.d.Rebind(stmt), k)
	if err != nil {
		return err
	}
	return rows.Close()
}
