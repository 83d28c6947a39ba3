package report

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// mdHTML converts the markdown report.md is written in to HTML, so that
// report.html is report.md's sections in the same order from the same
// writers, never a second copy of them. It knows the subset those writers
// use (markdown_test.go keeps them to it):
//
//   - ATX headings (# to ######), given ids for in-page links;
//   - paragraphs; **bold**, `code` and [text](href) inline;
//   - pipe tables with a delimiter row (|---|, |---:| aligns right), \| for
//     a literal bar in a cell;
//   - "- " and "1. " lists, one line per item;
//   - "> " block quotes (converted recursively);
//   - fenced code blocks (```);
//   - an image alone in its paragraph, ![alt](src): figure replaces it with
//     the figure's markup, and the paragraph right after it (where report.md
//     puts every figure's caption) becomes its caption.
//
// Everything else is text, escaped.
type mdHTML struct {
	// figure returns the HTML of the figure whose image is src, and false
	// for an unknown image (then drawn as a link to src).
	figure func(src, alt, caption string) (string, bool)
	// href rewrites a link target and may add attributes to the link
	// (e.g. a figure's SVG file to a download of the inline figure); nil
	// leaves every link as it is.
	href func(string) (target, attrs string)
	ids  map[string]int
}

var (
	reHeading = regexp.MustCompile(`^(#{1,6}) +(.*?) *#*$`)
	reImage   = regexp.MustCompile(`^!\[([^\]]*)\]\(([^)\s]+)\)$`)
	reOrdered = regexp.MustCompile(`^(\d+)\. +(.*)$`)
	reDelim   = regexp.MustCompile(`^\|? *:?-+:? *(\| *:?-+:? *)*\|? *$`)
	reLink    = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	reBold    = regexp.MustCompile(`\*\*(.+?)\*\*`)
	reNumeric = regexp.MustCompile(`^[-+]?[$]?[\d,]*\.?\d+( ?(ms|s|%|×|MiB|KiB|GiB|B))?$`)
)

// convert returns the HTML of md.
func (c *mdHTML) convert(md string) string {
	if c.ids == nil {
		c.ids = map[string]int{}
	}
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
			i++
		case strings.HasPrefix(line, "```"):
			j := i + 1
			for j < len(lines) && !strings.HasPrefix(lines[j], "```") {
				j++
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(lines[i+1:j], "\n")) + "</code></pre>\n")
			i = j + 1
		case reHeading.MatchString(line):
			m := reHeading.FindStringSubmatch(line)
			n := len(m[1])
			fmt.Fprintf(&b, "<h%d id=\"%s\">%s</h%d>\n", n, c.id(m[2]), c.inline(m[2]), n)
			i++
		case strings.HasPrefix(line, "|"):
			j := c.until(lines, i, func(l string) bool { return strings.HasPrefix(l, "|") })
			c.table(&b, lines[i:j])
			i = j
		case strings.HasPrefix(line, "> ") || line == ">":
			j := c.until(lines, i, func(l string) bool { return strings.HasPrefix(l, ">") })
			inner := make([]string, j-i)
			for k, l := range lines[i:j] {
				inner[k] = strings.TrimPrefix(strings.TrimPrefix(l, ">"), " ")
			}
			b.WriteString("<blockquote>\n" + c.convert(strings.Join(inner, "\n")) + "</blockquote>\n")
			i = j
		case strings.HasPrefix(line, "- "):
			j := c.until(lines, i, func(l string) bool { return strings.HasPrefix(l, "- ") })
			b.WriteString("<ul>\n")
			for _, l := range lines[i:j] {
				b.WriteString("<li>" + c.inline(strings.TrimPrefix(l, "- ")) + "</li>\n")
			}
			b.WriteString("</ul>\n")
			i = j
		case reOrdered.MatchString(line):
			j := c.until(lines, i, reOrdered.MatchString)
			start := reOrdered.FindStringSubmatch(line)[1]
			if start == "1" {
				b.WriteString("<ol>\n")
			} else {
				b.WriteString("<ol start=\"" + start + "\">\n")
			}
			for _, l := range lines[i:j] {
				b.WriteString("<li>" + c.inline(reOrdered.FindStringSubmatch(l)[2]) + "</li>\n")
			}
			b.WriteString("</ol>\n")
			i = j
		case reImage.MatchString(strings.TrimSpace(line)) && (i+1 == len(lines) || strings.TrimSpace(lines[i+1]) == ""):
			m := reImage.FindStringSubmatch(strings.TrimSpace(line))
			// The caption is the paragraph after the image, if any.
			j := i + 1
			for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
				j++
			}
			caption, k := "", j
			if j < len(lines) && !c.blockStart(lines[j]) {
				k = c.until(lines, j, func(l string) bool { return strings.TrimSpace(l) != "" && !c.blockStart(l) })
				caption = c.inline(strings.Join(lines[j:k], "\n"))
			}
			if fig, ok := c.figure(m[2], m[1], caption); ok {
				b.WriteString(fig + "\n")
				i = k
				break
			}
			fmt.Fprintf(&b, "<p><a href=\"%s\">%s</a></p>\n", html.EscapeString(m[2]), html.EscapeString(m[1]))
			i++
		default:
			j := c.until(lines, i, func(l string) bool { return strings.TrimSpace(l) != "" && !c.blockStart(l) })
			b.WriteString("<p>" + c.inline(strings.Join(lines[i:j], "\n")) + "</p>\n")
			i = j
		}
	}
	return b.String()
}

// until returns the index of the first line from i on that in does not
// accept (i itself is taken).
func (c *mdHTML) until(lines []string, i int, in func(string) bool) int {
	j := i + 1
	for j < len(lines) && in(lines[j]) {
		j++
	}
	return j
}

// blockStart reports whether l starts a block other than a paragraph.
func (c *mdHTML) blockStart(l string) bool {
	return strings.HasPrefix(l, "|") || strings.HasPrefix(l, ">") || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "```") ||
		reHeading.MatchString(l) || reOrdered.MatchString(l) || reImage.MatchString(strings.TrimSpace(l))
}

// table writes a pipe table; the first row is the header when the second
// is a delimiter row.
func (c *mdHTML) table(b *strings.Builder, rows []string) {
	var align []string
	header := len(rows) > 1 && reDelim.MatchString(rows[1])
	// An empty header row (| | |, a table of keys and values) is not drawn.
	emptyHead := header && strings.Trim(rows[0], "| ") == ""
	if header {
		for _, d := range splitRow(rows[1]) {
			d = strings.TrimSpace(d)
			if strings.HasSuffix(d, ":") {
				align = append(align, "right")
			} else {
				align = append(align, "")
			}
		}
	}
	body := rows
	if header {
		body = rows[2:]
	}
	// A column whose every filled cell is a number is aligned right.
	numeric := map[int]bool{}
	for k := range splitRow(rows[0]) {
		some, all := false, true
		for _, row := range body {
			cs := splitRow(row)
			if k >= len(cs) {
				continue
			}
			switch cell := strings.TrimSpace(cs[k]); {
			case cell == "" || cell == "-":
			case reNumeric.MatchString(cell):
				some = true
			default:
				all = false
			}
		}
		numeric[k] = some && all || k < len(align) && align[k] == "right"
	}
	cells := func(row, tag string) {
		b.WriteString("<tr>")
		for k, cell := range splitRow(row) {
			class := ""
			if numeric[k] {
				class = ` class="n"`
			}
			fmt.Fprintf(b, "<%s%s>%s</%s>", tag, class, c.inline(strings.TrimSpace(cell)), tag)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("<div class=\"table\"><table>\n")
	if header && !emptyHead {
		b.WriteString("<thead>")
		cells(rows[0], "th")
		b.WriteString("</thead>\n")
	}
	if len(body) > 0 {
		b.WriteString("<tbody>\n")
		for _, row := range body {
			cells(row, "td")
		}
		b.WriteString("</tbody>\n")
	}
	b.WriteString("</table></div>\n")
}

// splitRow splits a table row at its unescaped bars, dropping the outer
// ones; \| becomes |.
func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cur.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return append(cells, cur.String())
}

// inline converts code spans, links and bold in s and escapes the rest.
// Code spans are set aside first, so that nothing inside one is markup and
// bold may span one.
func (c *mdHTML) inline(s string) string {
	var code []string
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(p)
		case i == len(parts)-1: // an unmatched backtick is text
			b.WriteString("`" + p)
		default:
			b.WriteString("\x00" + strconv.Itoa(len(code)) + "\x00")
			code = append(code, p)
		}
	}
	t := html.EscapeString(b.String())
	t = reLink.ReplaceAllStringFunc(t, func(m string) string {
		sm := reLink.FindStringSubmatch(m)
		href, attrs := html.UnescapeString(sm[2]), ""
		if c.href != nil {
			href, attrs = c.href(href)
		}
		return fmt.Sprintf(`<a href="%s"%s>%s</a>`, html.EscapeString(href), attrs, sm[1])
	})
	t = reBold.ReplaceAllString(t, "<strong>$1</strong>")
	for i, s := range code {
		t = strings.Replace(t, "\x00"+strconv.Itoa(i)+"\x00", "<code>"+html.EscapeString(s)+"</code>", 1)
	}
	return t
}

// id makes a heading's id from its text: lower case, letters and digits
// joined by single hyphens, made unique with -2, -3, ...
func (c *mdHTML) id(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "`", ""), "*", "")
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(text) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	id := b.String()
	if id == "" {
		id = "section"
	}
	c.ids[id]++
	if n := c.ids[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}
