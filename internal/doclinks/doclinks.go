// Package doclinks checks the links of the repository's documentation:
// README.md and every docs/*.md page. Every relative link must name a file
// or directory that exists inside the repository (relative to the linking
// page's directory), must not leave the repository root or point to
// ../shared, and an #anchor into a markdown file must match one of its
// headings by GitHub's slug rule. Every docs/*.md page must be linked from
// README.md. Links to http://, https:// and mailto: are not followed, and
// links inside fenced code blocks and inline code spans are not links.
package doclinks

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Readme is the page every docs page must be linked from; DocsGlob names
// the docs pages. Both are slash paths relative to the repository root.
const (
	Readme   = "README.md"
	DocsGlob = "docs/*.md"
)

// Problem is one broken link, or a docs page README.md does not link.
type Problem struct {
	File   string // the page holding the link, relative to the root
	Line   int    // 1-based; 0 for a page-level problem
	Target string // the link target as written
	Msg    string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d: (%s): %s", p.File, p.Line, p.Target, p.Msg)
}

// Result is what Check looked at and what it found wrong.
type Result struct {
	Pages    []string // the pages checked: README.md, then docs/*.md sorted
	Links    int      // relative links checked (external links not counted)
	Problems []Problem
}

// Check checks README.md and docs/*.md in fsys, whose root is the
// repository root (os.DirFS(root) for the real tree, fstest.MapFS in
// tests). The error is for a missing README.md or an unreadable page;
// broken links are Problems.
func Check(fsys fs.FS) (Result, error) {
	var res Result
	if _, err := fs.Stat(fsys, Readme); err != nil {
		return res, fmt.Errorf("doclinks: %w", err)
	}
	docs, err := fs.Glob(fsys, DocsGlob)
	if err != nil {
		return res, fmt.Errorf("doclinks: %w", err)
	}
	sort.Strings(docs)
	res.Pages = append([]string{Readme}, docs...)

	c := checker{fsys: fsys, anchors: map[string]map[string]bool{}}
	linkedFromReadme := map[string]bool{}
	for _, page := range res.Pages {
		data, err := fs.ReadFile(fsys, page)
		if err != nil {
			return res, fmt.Errorf("doclinks: %w", err)
		}
		for _, l := range links(string(data)) {
			resolved, ok := c.check(page, l, &res)
			if ok && page == Readme {
				linkedFromReadme[resolved] = true
			}
		}
	}
	for _, d := range docs {
		if !linkedFromReadme[d] {
			res.Problems = append(res.Problems, Problem{File: d, Msg: "not linked from " + Readme})
		}
	}
	return res, nil
}

type checker struct {
	fsys    fs.FS
	anchors map[string]map[string]bool // markdown file → its heading slugs
}

var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// check records a Problem for a broken link l on page and returns the
// file the link resolves to (slash path from the root) when it resolves.
func (c *checker) check(page string, l link, res *Result) (string, bool) {
	bad := func(msg string) (string, bool) {
		res.Problems = append(res.Problems, Problem{File: page, Line: l.line, Target: l.target, Msg: msg})
		return "", false
	}
	if s := scheme.FindString(l.target); s != "" {
		switch strings.ToLower(s) {
		case "http:", "https:", "mailto:":
			return "", false
		}
		return bad("a " + s + " link points outside the repository")
	}
	res.Links++
	p, anchor, _ := strings.Cut(l.target, "#")
	p, err := url.PathUnescape(p)
	if err != nil {
		return bad("bad escape in link: " + err.Error())
	}
	switch {
	case strings.Contains(p, "../shared"):
		return bad("links to ../shared, outside the repository")
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || strings.Contains(p, `:\`):
		return bad("absolute path; links must be relative to the page")
	case l.target == "" || l.target == "#":
		return bad("empty link target")
	}
	resolved := page
	if p != "" {
		resolved = path.Join(path.Dir(page), p)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return bad("leaves the repository root")
		}
	}
	info, err := fs.Stat(c.fsys, resolved)
	if err != nil {
		return bad("no such file: " + resolved)
	}
	if anchor != "" && !info.IsDir() && strings.HasSuffix(strings.ToLower(resolved), ".md") {
		slugs, err := c.slugs(resolved)
		if err != nil {
			return bad(err.Error())
		}
		a, err := url.PathUnescape(anchor)
		if err != nil {
			return bad("bad escape in anchor: " + err.Error())
		}
		if !slugs[a] {
			return bad(fmt.Sprintf("%s has no heading with anchor #%s", resolved, a))
		}
	}
	return resolved, true
}

func (c *checker) slugs(file string) (map[string]bool, error) {
	if s, ok := c.anchors[file]; ok {
		return s, nil
	}
	data, err := fs.ReadFile(c.fsys, file)
	if err != nil {
		return nil, err
	}
	s := map[string]bool{}
	for _, a := range Anchors(string(data)) {
		s[a] = true
	}
	c.anchors[file] = s
	return s, nil
}

// Anchors returns the anchors GitHub gives the ATX headings (# … ######)
// of a markdown text, in order, outside fenced code blocks; a repeated
// slug gets -1, -2, … as on GitHub.
func Anchors(md string) []string {
	var out []string
	seen := map[string]int{}
	for _, line := range strings.Split(outsideFences(md), "\n") {
		text, ok := heading(line)
		if !ok {
			continue
		}
		s := Slug(text)
		if n := seen[s]; n > 0 {
			seen[s]++
			s = fmt.Sprintf("%s-%d", s, n)
		} else {
			seen[s] = 1
		}
		out = append(out, s)
	}
	return out
}

// heading returns the text of an ATX heading line.
func heading(line string) (string, bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || !strings.HasPrefix(t, "#") {
		return "", false
	}
	n := len(t) - len(strings.TrimLeft(t, "#"))
	if n > 6 {
		return "", false
	}
	rest := t[n:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	// An optional closing sequence of #s, preceded by a space.
	if trimmed := strings.TrimRight(rest, "#"); trimmed != rest && (trimmed == "" || strings.HasSuffix(trimmed, " ")) {
		rest = strings.TrimSpace(trimmed)
	}
	return rest, true
}

// Slug is GitHub's anchor for a heading's text: lower case, spaces become
// -, and punctuation other than - and _ is dropped (letters and digits of
// any script stay).
func Slug(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

type link struct {
	line   int
	target string
}

// linkRE matches an inline link or image [text](target "title"); the text
// may span lines but holds no brackets.
var linkRE = regexp.MustCompile(`\[[^\[\]]*\]\(\s*<?([^()\s<>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)

// links returns the inline links of a markdown text outside fenced code
// blocks and inline code spans.
func links(md string) []link {
	text := blankCodeSpans(outsideFences(md))
	var out []link
	for _, m := range linkRE.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, link{
			line:   1 + strings.Count(text[:m[0]], "\n"),
			target: text[m[2]:m[3]],
		})
	}
	return out
}

// outsideFences returns md with the lines of fenced code blocks (``` or
// ~~~, fences included) emptied, so line numbers stay as they were. An
// unclosed fence runs to the end, as in CommonMark.
func outsideFences(md string) string {
	lines := strings.Split(md, "\n")
	var fence string // the opening fence while inside a block
	for i, line := range lines {
		t := strings.TrimLeft(line, " \t")
		if fence == "" {
			if f := fenceOf(t); f != "" {
				fence = f
				lines[i] = ""
			}
			continue
		}
		lines[i] = ""
		if f := fenceOf(t); f != "" && f[0] == fence[0] && len(f) >= len(fence) && strings.TrimSpace(t[len(f):]) == "" {
			fence = ""
		}
	}
	return strings.Join(lines, "\n")
}

// fenceOf returns the run of ≥ 3 backticks or tildes a line starts with.
func fenceOf(t string) string {
	for _, c := range "`~" {
		run := len(t) - len(strings.TrimLeft(t, string(c)))
		if run >= 3 {
			return t[:run]
		}
	}
	return ""
}

// blankCodeSpans replaces the content of inline code spans (a run of n
// backticks up to the next run of exactly n, within one paragraph) with
// spaces, keeping newlines, so brackets inside code are not links.
func blankCodeSpans(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(b) && b[i+n] == '`' {
			n++
		}
		end := closingRun(b, i+n, n)
		if end < 0 {
			i += n
			continue
		}
		for j := i; j < end+n; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end + n
	}
	return string(b)
}

// closingRun finds the next run of exactly n backticks from i, stopping at
// a blank line; -1 when there is none.
func closingRun(b []byte, i, n int) int {
	for j := i; j < len(b); {
		if b[j] == '\n' && j+1 < len(b) && strings.TrimSpace(string(lineAt(b, j+1))) == "" {
			return -1
		}
		if b[j] != '`' {
			j++
			continue
		}
		m := 0
		for j+m < len(b) && b[j+m] == '`' {
			m++
		}
		if m == n {
			return j
		}
		j += m
	}
	return -1
}

func lineAt(b []byte, i int) []byte {
	end := i
	for end < len(b) && b[end] != '\n' {
		end++
	}
	return b[i:end]
}
