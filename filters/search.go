package filters

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/dialect"
)

// SearchParam is the query parameter of a search, as Django REST framework's SearchFilter names it.
const SearchParam = "search"

// Search is the lookup of a search filter ([NewSearch]): every term is contained, case-insensitively,
// in at least one of the filter's [Filter.Fields]. A client cannot name it in a filter key.
const Search Lookup = "search"

// MaxSearchTerms is the most terms one search may hold; more is an INVALID_VALUE naming "search". Each
// term is one LIKE per searched field, so the bound keeps a search far below the backends' limits on
// bound parameters and its cost close to a filter's.
const MaxSearchTerms = 32

// space is the class of characters Python's str.split() and re's \s split on (Unicode whitespace),
// which Django's smart_split uses.
const space = `\s\x0b\x1c-\x1f\x{85}\p{Z}`

// smartSplit is Django's smart_split: words separated by whitespace, a phrase in double or single
// quotes (a backslash escapes the next character in it) kept whole with the text around it.
var smartSplit = regexp.MustCompile(`(?:[^` + space + `'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^` + space + `'"]*)+)|[^` + space + `]+`)

// SearchTerms splits a search value into its terms exactly as Django REST framework's SearchFilter
// does (search_smart_split): on whitespace, a phrase in quotes kept together (and unquoted: `"a b"`
// is the one term `a b`), commas around a term trimmed and commas inside an unquoted one separating
// terms. An empty or blank value has no terms.
func SearchTerms(value string) []string {
	var terms []string
	for _, term := range smartSplit.FindAllString(value, -1) {
		term = strings.Trim(term, ",")
		if term != "" && (term[0] == '"' || term[0] == '\'') && term[0] == term[len(term)-1] {
			// Django's unescape_string_literal: drop the quotes, then unescape the quote and "\\".
			q := term[:1]
			inner := ""
			if len(term) >= 2 {
				inner = term[1 : len(term)-1]
			}
			terms = append(terms, strings.ReplaceAll(strings.ReplaceAll(inner, `\`+q, q), `\\`, `\`))
			continue
		}
		for _, sub := range strings.Split(term, ",") {
			if sub != "" {
				terms = append(terms, strings.TrimFunc(sub, unicode.IsSpace))
			}
		}
	}
	return terms
}

// NewSearch returns the filter of a search value over fields (text fields): the value's terms
// ([SearchTerms]) ANDed, each contained case-insensitively (as icontains compares, the same on every
// backend, with %, _ and \ matching literally) in any of the fields. ok is false when the value holds
// no term: a blank search narrows nothing. The value is checked as a filter value is (UTF-8, no NUL,
// at most [MaxValueBytes]) and may hold at most [MaxSearchTerms] terms: errors are INVALID_VALUE with
// details.parameter "search".
func NewSearch(value string, fields []Field) (f Filter, ok bool, err error) {
	if len(value) > MaxValueBytes {
		return Filter{}, false, invalidValue(SearchParam, fmt.Sprintf("a value may be at most %d bytes long, not %d", MaxValueBytes, len(value)), ErrValueTooLong)
	}
	if !utf8.ValidString(value) || strings.ContainsRune(value, 0) {
		return Filter{}, false, invalidValue(SearchParam, "the value is not valid UTF-8 text or holds a NUL byte", nil)
	}
	terms := SearchTerms(value)
	if len(terms) == 0 {
		return Filter{}, false, nil
	}
	if len(terms) > MaxSearchTerms {
		return Filter{}, false, invalidValue(SearchParam, fmt.Sprintf("give at most %d terms, not %d", MaxSearchTerms, len(terms)), nil)
	}
	values := make([]any, len(terms))
	for i, t := range terms {
		values[i] = t
	}
	return Filter{Param: SearchParam, Field: Field{Param: SearchParam}, Lookup: Search, Values: values, Fields: fields}, true, nil
}

// compileSearch is a search's condition: (f1 LIKE %t1% OR f2 LIKE %t1%) AND (... %t2% ...), folded.
func compileSearch(f Filter, d dialect.Dialect) (sq.Sqlizer, error) {
	if len(f.Fields) == 0 {
		return nil, fmt.Errorf("filters: %s: a search needs at least one field", f.Param)
	}
	all := make(sq.And, 0, len(f.Values))
	for _, v := range f.Values {
		term, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("filters: %s: a search term is a string, got %T", f.Param, v)
		}
		anyField := make(sq.Or, 0, len(f.Fields))
		for _, sf := range f.Fields {
			c, err := compile(Filter{Param: f.Param, Field: sf, Lookup: IContains, Values: []any{term}}, d)
			if err != nil {
				return nil, err
			}
			anyField = append(anyField, c)
		}
		all = append(all, anyField)
	}
	return all, nil
}
