package sparse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// Corpus streams text documents in order; document i has id i.
type Corpus interface {
	// Size is the number of documents.
	Size() int
	// Scan calls fn with consecutive batches of at most batch documents;
	// first is the id of the batch's first document. The slice is only
	// valid during the call.
	Scan(ctx context.Context, batch int, fn func(first int64, docs []string) error) error
}

// Texts is a Corpus held in memory (queries, tests, small corpora).
type Texts []string

// Size implements Corpus.
func (t Texts) Size() int { return len(t) }

// Scan implements Corpus.
func (t Texts) Scan(ctx context.Context, batch int, fn func(first int64, docs []string) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	for first := 0; first < len(t); first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(int64(first), t[first:min(first+batch, len(t))]); err != nil {
			return err
		}
	}
	return nil
}

// Text file formats.
const (
	// TextLines is one document per line ("\n" or "\r\n"); an empty line is
	// an empty document; a final newline does not start another.
	TextLines = "lines"
	// TextJSONL is one JSON object per line, the document in a string
	// field; blank lines are skipped.
	TextJSONL = "jsonl"
	// TextParquet is a parquet file's string column, one document per row.
	TextParquet = "parquet"
)

// MaxLine is the longest line (document) the line and JSONL readers take.
const MaxLine = 16 << 20

// TextFile streams the documents of a lines, JSONL or parquet file,
// reading as it goes; it holds one batch of documents.
type TextFile struct {
	path, format, field string
	size                int
}

// OpenText reads path once to check every document (valid UTF-8, lines
// within MaxLine, JSONL objects with a string field, a parquet string
// column) and count them; limit > 0 serves the first limit documents.
// field names the JSONL field or parquet column and must be empty for
// lines. Errors are one line naming the file, line (or row) and field.
func OpenText(path, format, field string, limit int) (*TextFile, error) {
	switch format {
	case TextLines:
		if field != "" {
			return nil, fmt.Errorf("%s: format lines takes no field (got %q)", path, field)
		}
	case TextJSONL, TextParquet:
		if field == "" {
			return nil, fmt.Errorf("%s: format %s needs the field holding the text", path, format)
		}
	default:
		return nil, fmt.Errorf("%s: text format %q is unknown (allowed: lines, jsonl, parquet)", path, format)
	}
	t := &TextFile{path: path, format: format, field: field}
	n := 0
	stop := errors.New("stop")
	err := t.each(func(string) error {
		if limit > 0 && n == limit {
			return stop
		}
		n++
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return nil, err
	}
	t.size = n
	return t, nil
}

// Size implements Corpus.
func (t *TextFile) Size() int { return t.size }

// Scan implements Corpus.
func (t *TextFile) Scan(ctx context.Context, batch int, fn func(first int64, docs []string) error) error {
	if batch < 1 {
		return fmt.Errorf("sparse: batch must be ≥ 1, got %d", batch)
	}
	docs := make([]string, 0, batch)
	var first int64
	stop := errors.New("stop")
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		err := fn(first, docs)
		first += int64(len(docs))
		docs = docs[:0]
		return err
	}
	err := t.each(func(doc string) error {
		if first+int64(len(docs)) == int64(t.size) {
			return stop
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		docs = append(docs, doc)
		if len(docs) == batch {
			return flush()
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return err
	}
	return flush()
}

// each calls fn with every document of the file in order.
func (t *TextFile) each(fn func(doc string) error) error {
	if t.format == TextParquet {
		return parquetStrings(t.path, t.field, fn)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	defer f.Close()
	return eachLine(f, t.path, func(line int, text []byte) error {
		if t.format == TextLines {
			return fn(string(text))
		}
		if len(bytes.TrimSpace(text)) == 0 {
			return nil
		}
		doc, err := jsonField(text, t.field)
		if err != nil {
			return fmt.Errorf("%s: line %d: %v", t.path, line, err)
		}
		return fn(doc)
	})
}

// eachLine calls fn with every line of r (numbered from 1, without its
// "\n" or "\r\n"), checking each is valid UTF-8 and at most MaxLine bytes.
func eachLine(r io.Reader, path string, fn func(line int, text []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var buf []byte
	for line := 1; ; line++ {
		buf = buf[:0]
		for {
			chunk, err := br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > MaxLine+2 {
				return fmt.Errorf("%s: line %d: longer than %d bytes (one document per line)", path, line, MaxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if len(buf) == 0 {
					return nil
				}
				break
			}
			if err != nil {
				return fmt.Errorf("%s: line %d: %v", path, line, err)
			}
			break
		}
		text := bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if len(text) > MaxLine {
			return fmt.Errorf("%s: line %d: longer than %d bytes (one document per line)", path, line, MaxLine)
		}
		if !utf8.Valid(text) {
			return fmt.Errorf("%s: line %d: byte %d: not valid UTF-8 (text must be UTF-8)", path, line, invalidAt(text)+1)
		}
		if err := fn(line, text); err != nil {
			return err
		}
	}
}

// invalidAt is the offset of the first byte of b that starts no valid
// UTF-8 sequence.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// jsonField returns the string field of the JSON object line.
func jsonField(line []byte, field string) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil || obj == nil {
		return "", fmt.Errorf("not a JSON object (one object per line)")
	}
	raw, ok := obj[field]
	if !ok {
		return "", fmt.Errorf("no field %q (each object needs the text in a string field %q)", printable(field), printable(field))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("field %q is not a string", printable(field))
	}
	return s, nil
}

// printable cuts s to 64 runes and quotes nothing: for names taken from
// input in one-line errors (%q escapes control characters).
func printable(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		return string([]rune(s)[:64]) + "…"
	}
	return s
}

// ReadTexts reads up to limit documents (all when limit ≤ 0) into memory,
// for query files.
func ReadTexts(path, format, field string, limit int) ([]string, error) {
	t, err := OpenText(path, format, field, limit)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, t.Size())
	err = t.Scan(context.Background(), 1024, func(_ int64, docs []string) error {
		out = append(out, docs...)
		return nil
	})
	return out, err
}
