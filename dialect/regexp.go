package dialect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MaxRegexpBytes is the longest pattern [CheckRegexp] accepts, in bytes.
const MaxRegexpBytes = 512

// maxRepeat is the largest count of a {n,m} repetition: PostgreSQL's limit (RE_DUP_MAX).
const maxRepeat = 255

// CheckRegexp reports, as an error phrased for a client, whether pattern is in the subset of regular
// expressions that matches the same text on every backend: Go's RE2 syntax (which SQLite runs) less
// what PostgreSQL's advanced regular expressions read differently. The subset is:
//
//   - literal characters, and any punctuation escaped with a backslash (\. \* \\ \( \{ ...);
//   - . (any character, newlines too), ^ and $ (the start and end of the whole text);
//   - bracket expressions [abc], [^a-z], [\]-] with \d, \w and \s inside them;
//   - \d, \D (ASCII digits), \w, \W (ASCII letters, digits and _), \s, \S (space, \t, \n, \f, \r),
//     \n and \t;
//   - groups (...) and (?:...), alternation |, and the repetitions *, +, ?, {n}, {n,}, {n,m} (n and m
//     at most 255), each optionally lazy (*?).
//
// Refused: other escapes (\b, \A, \z, \pL, \x41, back-references...), flags and named groups ((?i),
// (?P<name>...)), POSIX classes and collating elements inside brackets ([[:alpha:]], [[.a.]]), and a
// { that does not start a repetition (write \{). Case-insensitive matching (iregex) folds letters
// that have one lower- and one upper-case form alike on both backends. A pattern over
// [MaxRegexpBytes] is refused.
func CheckRegexp(pattern string) error {
	if len(pattern) > MaxRegexpBytes {
		return fmt.Errorf("a regular expression may be at most %d bytes long, not %d", MaxRegexpBytes, len(pattern))
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return fmt.Errorf("%q is not a regular expression: %s", pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	_, err := translateRegexp(pattern)
	return err
}

// ascii are the classes \d, \w and \s as RE2 defines them, written for a PostgreSQL bracket
// expression (where they would otherwise follow the locale).
var ascii = map[byte]string{'d': `0-9`, 'w': `0-9A-Za-z_`, 's': ` \t\n\f\r`}

// translateRegexp checks that pattern is in CheckRegexp's subset and returns it as PostgreSQL reads
// the same: \d, \w, \s and their negations spelled out as ASCII bracket expressions.
func translateRegexp(pattern string) (string, error) {
	var b strings.Builder
	inBracket := false
	bracketStart := 0 // the index just past [ or [^ of the open bracket
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\':
			if i+1 >= len(pattern) {
				return "", fmt.Errorf("%q ends with a lone backslash", pattern)
			}
			n := pattern[i+1]
			i++
			switch {
			case n == 'n' || n == 't':
				b.WriteByte('\\')
				b.WriteByte(n)
			case n == 'd' || n == 'w' || n == 's':
				if inBracket {
					b.WriteString(ascii[n])
				} else {
					b.WriteString("[" + ascii[n] + "]")
				}
			case (n == 'D' || n == 'W' || n == 'S') && !inBracket:
				b.WriteString("[^" + ascii[n+('a'-'A')] + "]")
			case n < 0x80 && !isAlnum(n):
				b.WriteByte('\\')
				b.WriteByte(n)
			default:
				return "", subsetError(pattern, `the escape \`+string(rune(n)))
			}
		case inBracket:
			if c == ']' && i > bracketStart {
				inBracket = false
			} else if c == '[' && i+1 < len(pattern) && strings.IndexByte(":.=", pattern[i+1]) >= 0 {
				return "", subsetError(pattern, "a POSIX class or collating element ("+pattern[i:i+2]+"...) inside brackets")
			}
			b.WriteByte(c)
		case c == '[':
			inBracket = true
			b.WriteByte(c)
			bracketStart = i + 1
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				b.WriteByte('^')
				i++
				bracketStart = i + 1
			}
		case c == '(' && i+1 < len(pattern) && pattern[i+1] == '?':
			if i+2 >= len(pattern) || pattern[i+2] != ':' {
				return "", subsetError(pattern, "flags and named groups ((?...) other than (?:...))")
			}
			b.WriteString("(?:")
			i += 2
		case c == '{':
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 || !validRepeat(pattern[i+1:i+end]) {
				return "", subsetError(pattern, "a { that starts no repetition {n}, {n,} or {n,m} with counts up to 255 (write \\{ for the character)")
			}
			b.WriteString(pattern[i : i+end+1])
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// validRepeat reports whether s (between { and }) is n, n, or n,m with counts up to maxRepeat.
func validRepeat(s string) bool {
	lo, hi, comma := strings.Cut(s, ",")
	n, err := strconv.Atoi(lo)
	if err != nil || n < 0 || n > maxRepeat || strings.HasPrefix(lo, "+") {
		return false
	}
	if !comma || hi == "" {
		return true
	}
	m, err := strconv.Atoi(hi)
	return err == nil && m >= n && m <= maxRepeat && !strings.HasPrefix(hi, "+")
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func subsetError(pattern, what string) error {
	return fmt.Errorf("%q uses %s, outside the regular expressions that match alike on every backend (see the README)", pattern, what)
}

// Regexp returns the condition "expr matches the pattern bound to ?" (case-insensitively when
// insensitive is set): SQLite's REGEXP, which calls the regexp function dialect/sqlite registers (Go's
// regexp package), or PostgreSQL's ~ and ~*. Bind the pattern passed through [Dialect.RegexpArg].
func (d Dialect) Regexp(expr string, insensitive bool) string {
	if d.name == Postgres {
		if insensitive {
			return expr + " ~* ?"
		}
		return expr + " ~ ?"
	}
	return expr + " REGEXP ?"
}

// RegexpArg returns the argument [Dialect.Regexp] binds for a pattern that [CheckRegexp] accepted:
// on SQLite the pattern with RE2's flags s (. matches a newline, as PostgreSQL's does) and, when
// insensitive, i; on PostgreSQL the pattern with \d, \w and \s spelled out as RE2's ASCII classes.
func (d Dialect) RegexpArg(pattern string, insensitive bool) (string, error) {
	if d.name == Postgres {
		return translateRegexp(pattern)
	}
	if insensitive {
		return "(?is)" + pattern, nil
	}
	return "(?s)" + pattern, nil
}
