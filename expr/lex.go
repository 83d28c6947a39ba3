package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a parse or bind error: one line naming the column (1-based, in
// characters) of the source where it failed and what was expected there.
type Error struct {
	Col int    // 1-based column in characters
	Msg string // what was expected and what was found
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

func errAt(src string, pos int, format string, args ...any) *Error {
	if pos > len(src) {
		pos = len(src)
	}
	return &Error{Col: utf8.RuneCountInString(src[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tInt
	tFloat
	tStr
	tBool
	tIdent // a field name
	tPath  // a field followed by [..] steps, no blanks in between
	tFunc  // array_contains, array_contains_all, array_contains_any, array_length
	tAnd
	tOr
	tNot
	tIn
	tLike
	tIs
	tNull
	tPunct // ( ) [ ] , { } - and comparison operators
)

type token struct {
	kind  tokKind
	pos   int    // byte offset of the first character
	text  string // source text (punctuation: the operator)
	i     uint64 // tInt: magnitude
	f     float64
	s     string // tStr: decoded value; tIdent, tPath: field; tFunc: canonical name
	b     bool
	steps []any // tPath: string keys and int indexes
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	s := t.text
	if len(s) > 24 {
		s = s[:21] + "..."
	}
	return strconv.Quote(s)
}

// keyword maps the spellings of keywords Milvus's grammar accepts (lower
// or upper case only) to token kinds. Mixed-case spellings and Milvus Lite's
// extra keywords are reserved: see isReserved.
func keyword(w string) (tokKind, bool) {
	switch w {
	case "and", "AND":
		return tAnd, true
	case "or", "OR":
		return tOr, true
	case "not", "NOT":
		return tNot, true
	case "in", "IN":
		return tIn, true
	case "like", "LIKE":
		return tLike, true
	case "is", "IS":
		return tIs, true
	case "null", "NULL":
		return tNull, true
	}
	return 0, false
}

// function maps a lower-case function name to its canonical spelling;
// json_contains* are Milvus's aliases of array_contains*.
func function(lower string) (string, bool) {
	switch lower {
	case "array_contains", "json_contains":
		return "array_contains", true
	case "array_contains_all", "json_contains_all":
		return "array_contains_all", true
	case "array_contains_any", "json_contains_any":
		return "array_contains_any", true
	case "array_length":
		return "array_length", true
	}
	return "", false
}

// isReserved: these words cannot name fields in any letter case, as Milvus
// Lite reads its keywords case-insensitively, and they are keywords or
// functions in Milvus's grammar or Lite's.
func isReserved(lower string) bool {
	switch lower {
	case "and", "or", "not", "in", "like", "is", "null", "true", "false", "exists", "iso", "interval",
		"text_match", "phrase_match", "random_sample", "element_filter":
		return true
	}
	return false
}

// lookupFunc reports whether w names a function: canonical is its
// canonical name, or "" when w is a mixed-case spelling (an error).
func lookupFunc(w string) (canonical string, ok bool) {
	c, ok := function(strings.ToLower(w))
	if ok && w != strings.ToLower(w) && w != strings.ToUpper(w) {
		return "", true
	}
	return c, ok
}

type lexer struct {
	src  string
	pos  int
	toks []token
}

func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		l.toks = append(l.toks, t)
		if t.kind == tEOF {
			return l.toks, nil
		}
	}
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func (l *lexer) next() (token, error) {
	s := l.src
	for l.pos < len(s) && strings.IndexByte(" \t\r\n", s[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if start >= len(s) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := s[start]
	punct := func(n int) (token, error) {
		l.pos += n
		return token{kind: tPunct, pos: start, text: s[start:l.pos]}, nil
	}
	two := ""
	if start+1 < len(s) {
		two = s[start : start+2]
	}
	switch {
	case two == "==" || two == "!=" || two == "<=" || two == ">=":
		return punct(2)
	case two == "&&":
		l.pos += 2
		return token{kind: tAnd, pos: start, text: two}, nil
	case two == "||":
		l.pos += 2
		return token{kind: tOr, pos: start, text: two}, nil
	case c == '!':
		l.pos++
		return token{kind: tNot, pos: start, text: "!"}, nil
	case strings.IndexByte("()[],{}<>-", c) >= 0:
		return punct(1)
	case c == '"' || c == '\'':
		v, err := l.str()
		if err != nil {
			return token{}, err
		}
		return token{kind: tStr, pos: start, text: s[start:l.pos], s: v}, nil
	case isDigit(c):
		return l.number()
	case isLetter(c):
		return l.word()
	case c == '=':
		return token{}, errAt(s, start, "expected an operator, found \"=\" (equality is ==)")
	case c == '.':
		return token{}, errAt(s, start, "expected a digit before '.' (write 0.5, not .5)")
	}
	if strings.IndexByte("+*/%^&|~", c) >= 0 {
		return token{}, errAt(s, start, "expected a comparison, and, or or, found %q (arithmetic and bit operators are not supported)", string(c))
	}
	r, _ := utf8.DecodeRuneInString(s[start:])
	return token{}, errAt(s, start, "expected an expression, found unexpected character %q", r)
}

func (l *lexer) word() (token, error) {
	s, start := l.src, l.pos
	for l.pos < len(s) && (isLetter(s[l.pos]) || isDigit(s[l.pos])) {
		l.pos++
	}
	w := s[start:l.pos]
	switch w {
	case "true", "True", "TRUE":
		return token{kind: tBool, pos: start, text: w, b: true}, nil
	case "false", "False", "FALSE":
		return token{kind: tBool, pos: start, text: w}, nil
	}
	if k, ok := keyword(w); ok {
		return token{kind: k, pos: start, text: w}, nil
	}
	if c, ok := lookupFunc(w); ok {
		if c == "" {
			return token{}, errAt(s, start, "expected %s or %s, found %q (mixed case)", strings.ToLower(w), strings.ToUpper(w), w)
		}
		return token{kind: tFunc, pos: start, text: w, s: c}, nil
	}
	if isReserved(strings.ToLower(w)) {
		return token{}, errAt(s, start, "expected a field name, found reserved word %q", w)
	}
	if l.pos < len(s) && s[l.pos] == '[' {
		return l.path(start, w)
	}
	return token{kind: tIdent, pos: start, text: w, s: w}, nil
}

// path reads the [..] steps that follow a field name directly (Milvus's
// JSONIdentifier token: no blanks inside).
func (l *lexer) path(start int, field string) (token, error) {
	s := l.src
	var steps []any
	for l.pos < len(s) && s[l.pos] == '[' {
		l.pos++
		switch {
		case l.pos < len(s) && (s[l.pos] == '"' || s[l.pos] == '\''):
			k, err := l.str()
			if err != nil {
				return token{}, err
			}
			steps = append(steps, k)
		case l.pos < len(s) && isDigit(s[l.pos]):
			d := l.pos
			for l.pos < len(s) && isDigit(s[l.pos]) {
				l.pos++
			}
			if l.pos-d > 1 && s[d] == '0' {
				return token{}, errAt(s, d, "expected an index without leading zeros, found %q", s[d:l.pos])
			}
			n, err := strconv.ParseInt(s[d:l.pos], 10, 32)
			if err != nil {
				return token{}, errAt(s, d, "expected an index below 2^31, found %q", s[d:l.pos])
			}
			steps = append(steps, int(n))
		default:
			return token{}, errAt(s, l.pos, "expected a quoted key or an index after %s[, found %s", field, l.peekDesc())
		}
		if l.pos >= len(s) || s[l.pos] != ']' {
			return token{}, errAt(s, l.pos, "expected ] in path of %s, found %s", field, l.peekDesc())
		}
		l.pos++
	}
	return token{kind: tPath, pos: start, text: s[start:l.pos], s: field, steps: steps}, nil
}

func (l *lexer) peekDesc() string {
	if l.pos >= len(l.src) {
		return "end of expression"
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return strconv.Quote(string(r))
}

func (l *lexer) number() (token, error) {
	s, start := l.src, l.pos
	digits := func() {
		for l.pos < len(s) && isDigit(s[l.pos]) {
			l.pos++
		}
	}
	digits()
	float := false
	if l.pos < len(s) && s[l.pos] == '.' {
		l.pos++
		if l.pos >= len(s) || !isDigit(s[l.pos]) {
			return token{}, errAt(s, l.pos, "expected a digit after '.' (write 1.0, not 1.), found %s", l.peekDesc())
		}
		digits()
		float = true
	}
	if l.pos < len(s) && (s[l.pos] == 'e' || s[l.pos] == 'E') {
		l.pos++
		if l.pos < len(s) && (s[l.pos] == '+' || s[l.pos] == '-') {
			l.pos++
		}
		if l.pos >= len(s) || !isDigit(s[l.pos]) {
			return token{}, errAt(s, l.pos, "expected exponent digits, found %s", l.peekDesc())
		}
		digits()
		float = true
	}
	text := s[start:l.pos]
	if l.pos < len(s) && (isLetter(s[l.pos]) || s[l.pos] == '.') {
		if text == "0" && (s[l.pos] == 'x' || s[l.pos] == 'X' || s[l.pos] == 'b' || s[l.pos] == 'B') {
			return token{}, errAt(s, start, "expected a decimal number, found %q (hex and binary literals are not supported by Milvus Lite)", text+s[l.pos:l.pos+1])
		}
		return token{}, errAt(s, l.pos, "expected an operator after number %q, found %s", text, l.peekDesc())
	}
	if float {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			return token{}, errAt(s, start, "expected a float within float64 range, found %q", text)
		}
		return token{kind: tFloat, pos: start, text: text, f: f}, nil
	}
	if len(text) > 1 && text[0] == '0' {
		return token{}, errAt(s, start, "expected a number without leading zeros, found %q (octal in Milvus, decimal in Milvus Lite)", text)
	}
	u, err := strconv.ParseUint(text, 10, 64)
	if err != nil || u > 1<<63 {
		return token{}, errAt(s, start, "expected an integer within int64 range, found %q", text)
	}
	return token{kind: tInt, pos: start, text: text, i: u}, nil
}

// str reads a quoted string at l.pos and decodes Milvus's escapes: \\ \"
// \' (in single quotes only) \n \r \t \a \b \f \v, \xHH, \ooo (three
// octal digits), \uHHHH and \UHHHHHHHH. A raw newline before the closing
// quote is an error; the decoded value must be valid UTF-8.
func (l *lexer) str() (string, error) {
	s, start := l.src, l.pos
	q := s[start]
	l.pos++
	var b strings.Builder
	for {
		if l.pos >= len(s) || s[l.pos] == '\n' || s[l.pos] == '\r' {
			return "", errAt(s, start, "expected closing %c of the string that starts here, found %s", q, l.peekDesc())
		}
		c := s[l.pos]
		if c == q {
			l.pos++
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			l.pos++
			continue
		}
		esc := l.pos
		l.pos++
		if l.pos >= len(s) {
			return "", errAt(s, start, "expected closing %c of the string that starts here, found end of expression", q)
		}
		e := s[l.pos]
		l.pos++
		switch e {
		case '\'':
			if q == '"' {
				return "", errAt(s, esc, "expected ' without a backslash in a double-quoted string (Milvus rejects \\' there)")
			}
			b.WriteByte(e)
		case '\\', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U', '0', '1', '2', '3', '4', '5', '6', '7':
			n, base, from := 3, 8, l.pos-1 // \ooo
			switch e {
			case 'x':
				n, base, from = 2, 16, l.pos
			case 'u':
				n, base, from = 4, 16, l.pos
			case 'U':
				n, base, from = 8, 16, l.pos
			}
			if from+n > len(s) {
				return "", errAt(s, esc, "expected %d digits in escape \\%c", n, e)
			}
			v, err := strconv.ParseUint(s[from:from+n], base, 32)
			if err != nil {
				return "", errAt(s, esc, "expected %d base-%d digits in escape, found %q", n, base, s[esc:from+n])
			}
			l.pos = from + n
			switch {
			case e == 'u' || e == 'U':
				if !utf8.ValidRune(rune(v)) {
					return "", errAt(s, esc, "expected a valid code point, found %q", s[esc:l.pos])
				}
				b.WriteRune(rune(v))
			case v > 255:
				return "", errAt(s, esc, "expected an octal escape up to \\377, found %q", s[esc:l.pos])
			default:
				b.WriteByte(byte(v))
			}
		default:
			return "", errAt(s, esc, "expected a known escape (\\\\ \\\" \\' \\n \\r \\t \\a \\b \\f \\v \\x \\u \\U \\ooo), found %q", s[esc:l.pos])
		}
	}
	v := b.String()
	if !utf8.ValidString(v) {
		return "", errAt(s, start, "expected a string of valid UTF-8, found invalid bytes")
	}
	return v, nil
}
