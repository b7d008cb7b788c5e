package filters

import sq "github.com/Masterminds/squirrel"

// exists is "EXISTS (SELECT 1 FROM from AND cond)" (Field.Exists).
type exists struct {
	from string
	cond sq.Sqlizer
}

func (e exists) ToSql() (string, []any, error) {
	sql, args, err := e.cond.ToSql()
	if err != nil {
		return "", nil, err
	}
	return "EXISTS (SELECT 1 FROM " + e.from + " AND " + sql + ")", args, nil
}
