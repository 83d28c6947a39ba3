package sparse

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Analyzer names. Milvus and Milvus Lite both call their default analyzer
// "standard" but split text differently, so ground truth names which one
// it follows; the two agree on text without underscores, combining marks,
// U+0130 or a word-final capital sigma.
const (
	// AnalyzerStandard is the Milvus server's standard analyzer: tantivy's
	// alphanumeric tokenizer then its LowerCaser. Followed from
	// milvus-io/milvus internal/core/thirdparty/tantivy/tantivy-binding/src/analyzer/
	// build_in_analyzer.rs (standard_analyzer: standard_builder().filter(LowerCaser),
	// then StopWordFilter when stop words are given) and
	// tokenizers/standard_tokenizer.rs (the default, uax29 false, is
	// AlphanumericScanner: a token is a maximal run of chars for which Rust's
	// char::is_alphanumeric holds — Alphabetic or Numeric, so '_' separates),
	// and tantivy's LowerCaser (each char's full lowercase mapping, no
	// final-sigma rule).
	AnalyzerStandard = "standard"
	// AnalyzerLiteStandard is Milvus Lite 3.2.2's StandardAnalyzer
	// (milvus_lite/analyzer/standard.py): Python's str.lower() on the whole
	// text, then re.findall(r"\w+"), so '_' joins words and lowercasing
	// (which may split U+0130 and applies the final-sigma rule) happens
	// before splitting; then the optional stop-word filter.
	AnalyzerLiteStandard = "lite-standard"
)

// analyzerNames are the names NewAnalyzer accepts.
var analyzerNames = []string{AnalyzerStandard, AnalyzerLiteStandard}

// AnalyzerNames returns the names NewAnalyzer accepts, for validation.
func AnalyzerNames() []string { return slices.Clone(analyzerNames) }

// Analyzer turns text into the terms BM25 counts. It is safe for
// concurrent use.
type Analyzer struct {
	name string
	stop map[string]struct{}
	key  string
}

// NewAnalyzer returns the analyzer called name with the given stop words
// removed after lowercasing (as both Milvus's stop filter and Lite's do;
// stop words are compared exactly, so give them in lowercase).
func NewAnalyzer(name string, stopWords []string) (*Analyzer, error) {
	if !slices.Contains(analyzerNames, name) {
		return nil, fmt.Errorf("analyzer %q is unknown (allowed: %s)", name, strings.Join(analyzerNames, ", "))
	}
	a := &Analyzer{name: name, key: name}
	if len(stopWords) > 0 {
		a.stop = make(map[string]struct{}, len(stopWords))
		sw := slices.Clone(stopWords)
		slices.Sort(sw)
		sw = slices.Compact(sw)
		for _, w := range sw {
			a.stop[w] = struct{}{}
		}
		a.key += "\x00stop=" + strings.Join(sw, "\x1f")
	}
	return a, nil
}

// Name is the analyzer's name.
func (a *Analyzer) Name() string { return a.name }

// Key identifies everything that changes the analyzer's output (name and
// stop words), for ground-truth cache keys.
func (a *Analyzer) Key() string { return a.key }

// Tokens returns text's terms in order, duplicates kept, appended to dst.
func (a *Analyzer) Tokens(text string, dst []string) []string {
	a.each(text, nil, func(t []byte) { dst = append(dst, string(t)) })
	return dst
}

// each calls fn with every term of text in order; the slice is only valid
// during the call. buf is scratch memory (may be nil), returned grown.
func (a *Analyzer) each(text string, buf []byte, fn func(tok []byte)) []byte {
	emit := fn
	if a.stop != nil {
		emit = func(t []byte) {
			if _, ok := a.stop[string(t)]; !ok {
				fn(t)
			}
		}
	}
	if isASCII(text) {
		return asciiTokens(text, a.name == AnalyzerLiteStandard, buf, emit)
	}
	if a.name == AnalyzerLiteStandard {
		return liteTokens(text, buf, emit)
	}
	return milvusTokens(text, buf, emit)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiTokens is both rules on ASCII text: runs of letters and digits
// (and '_' for Lite), lowercased.
func asciiTokens(s string, underscore bool, buf []byte, fn func([]byte)) []byte {
	buf = buf[:0]
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_' && underscore:
			buf = append(buf, c)
		case 'A' <= c && c <= 'Z':
			buf = append(buf, c+'a'-'A')
		default:
			if len(buf) > 0 {
				fn(buf)
				buf = buf[:0]
			}
		}
	}
	return buf
}

// isRustAlphanumeric is Rust's char::is_alphanumeric: the Alphabetic
// property (letters, letter numbers, Other_Alphabetic) or Numeric (Nd, Nl, No).
func isRustAlphanumeric(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Other_Alphabetic, r)
}

// milvusTokens splits on runs of Rust-alphanumeric chars, then lowercases
// each char by its full mapping (U+0130 becomes "i\u0307"), as tantivy's
// LowerCaser does.
func milvusTokens(s string, buf []byte, fn func([]byte)) []byte {
	buf = buf[:0]
	for i, r := range s + " " {
		if i < len(s) && isRustAlphanumeric(r) {
			buf = appendLower(buf, r)
			continue
		}
		if len(buf) > 0 {
			fn(buf)
			buf = buf[:0]
		}
	}
	return buf
}

func appendLower(b []byte, r rune) []byte {
	if r == 'İ' { // SpecialCasing: the only unconditional multi-char lowercase
		return append(b, "i\u0307"...)
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

// isPythonWord is Python's \w on str: str.isalnum() (letters Lu Ll Lt Lm Lo,
// or a numeric character) or '_'.
func isPythonWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

// liteTokens lowercases the whole text as Python's str.lower() does (full
// mapping with the final-sigma rule), then splits on runs of \w.
func liteTokens(s string, buf []byte, fn func([]byte)) []byte {
	rs := []rune(s)
	lower := make([]rune, 0, len(rs)+1)
	for i, r := range rs {
		switch {
		case r == 'İ':
			lower = append(lower, 'i', '\u0307')
		case r == 'Σ':
			if finalSigma(rs, i) {
				lower = append(lower, 'ς')
			} else {
				lower = append(lower, 'σ')
			}
		default:
			lower = append(lower, unicode.ToLower(r))
		}
	}
	buf = buf[:0]
	for _, r := range append(lower, ' ') {
		if isPythonWord(r) {
			buf = utf8.AppendRune(buf, r)
			continue
		}
		if len(buf) > 0 {
			fn(buf)
			buf = buf[:0]
		}
	}
	return buf
}

// finalSigma is CPython's rule for lowercasing capital sigma at i: a cased
// letter before it and none after it, skipping case-ignorable characters
// both ways (Unicode's Final_Sigma condition).
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

// cased approximates Unicode's Cased property from Go's tables.
func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable approximates Unicode's Case_Ignorable property: marks,
// format characters, modifier letters and symbols, and the word-break
// MidLetter, MidNumLet and Single_Quote characters.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019', '\u2024', '\u2027', '\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
