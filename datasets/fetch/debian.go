package fetch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FormatDebianPackages is one component's package index of a Debian
// archive suite: the suite's InRelease file and the index it lists
// (Packages.gz). The index is checked against the SHA256 the InRelease
// gives for it, one document per package is extracted into a lines file
// (DescriptionsFile) and the index deleted: a text corpus, read by a text
// field's data.name, not by dataset.name.
const FormatDebianPackages = "debian-packages"

// FamilyDebian is the Debian archive.
const FamilyDebian = "debian"

// DescriptionsFile is the lines file a Debian package index is extracted
// to, one document per package in index order.
const DescriptionsFile = "descriptions.txt"

// ChecksumUnsigned marks a file kept for the record and checked against
// nothing: a Debian InRelease, whose OpenPGP signature milvbench does not
// verify (the index it lists is checked against the SHA256 it gives).
const ChecksumUnsigned = "none (OpenPGP signature not verified)"

// IsText reports whether the entry is a text corpus (a text field's
// data.name) rather than a vector dataset (dataset.name).
func (e Entry) IsText() bool { return e.Format == FormatDebianPackages }

// Release is what a Debian suite's InRelease (or Release) file says about
// the suite, and the SHA256 and size of each index file it lists.
type Release struct {
	Origin, Suite, Codename, Version, Date string
	// SHA256 is keyed by the file's path below the suite's directory
	// (main/binary-amd64/Packages.gz).
	SHA256 map[string]IndexSum
}

// IndexSum is one line of a Release file's SHA256 field.
type IndexSum struct {
	SHA256 string
	Size   int64
}

// String names the release: "Debian 12.15 (bookworm), Sat, 11 Jul 2026 10:16:37 UTC".
func (r Release) String() string {
	var b strings.Builder
	b.WriteString(orElse(r.Origin, "Debian"))
	if r.Version != "" {
		b.WriteString(" " + r.Version)
	}
	if name := orElse(r.Codename, r.Suite); name != "" {
		b.WriteString(" (" + name + ")")
	}
	if r.Date != "" {
		b.WriteString(", " + r.Date)
	}
	return b.String()
}

func orElse(s, or string) string {
	if s != "" {
		return s
	}
	return or
}

// ParseRelease reads a suite's InRelease (clearsigned) or Release file:
// the suite's Origin, Suite, Codename, Version and Date, and its SHA256
// field. The OpenPGP armour of an InRelease is skipped, and its signature
// is not verified. Errors name the line.
func ParseRelease(b []byte) (Release, error) {
	body, first, err := clearsignedBody(b)
	if err != nil {
		return Release{}, err
	}
	r := Release{SHA256: map[string]IndexSum{}}
	paragraphs := 0
	sawSHA := false
	err = deb822(bytes.NewReader(body), first, func(par []debField) error {
		paragraphs++
		if paragraphs > 1 {
			return fmt.Errorf("line %d: a second paragraph (a Release file is one)", par[0].Line)
		}
		for _, f := range par {
			switch strings.ToLower(f.Name) {
			case "origin":
				r.Origin = f.Value
			case "suite":
				r.Suite = f.Value
			case "codename":
				r.Codename = f.Value
			case "version":
				r.Version = f.Value
			case "date":
				r.Date = f.Value
			case "sha256":
				sawSHA = true
				if f.Value != "" {
					return fmt.Errorf("line %d: SHA256: the field's first line must be empty (its entries follow, one per line)", f.Line)
				}
				for i, c := range f.Cont {
					line := f.Line + 1 + i
					parts := strings.Fields(c)
					if len(parts) != 3 {
						return fmt.Errorf("line %d: SHA256 entry %q is not \"SHA256 SIZE PATH\"", line, printable(c))
					}
					if !sha256RE.MatchString(parts[0]) {
						return fmt.Errorf("line %d: SHA256 entry for %s: %q is not a sha256 (64 hex digits)", line, printable(parts[2]), printable(parts[0]))
					}
					size, err := strconv.ParseInt(parts[1], 10, 64)
					if err != nil || size < 0 {
						return fmt.Errorf("line %d: SHA256 entry for %s: size %q is not a byte count", line, printable(parts[2]), printable(parts[1]))
					}
					if _, dup := r.SHA256[parts[2]]; dup {
						return fmt.Errorf("line %d: SHA256 lists %s twice", line, printable(parts[2]))
					}
					r.SHA256[parts[2]] = IndexSum{SHA256: strings.ToLower(parts[0]), Size: size}
				}
			}
		}
		return nil
	})
	if err != nil {
		return Release{}, err
	}
	if !sawSHA || len(r.SHA256) == 0 {
		return Release{}, errors.New("no SHA256 field listing the suite's index files")
	}
	return r, nil
}

// clearsignedBody returns the signed text of an OpenPGP clearsigned
// message (dash-escaping undone) and the line it starts on, or b itself
// when it is not clearsigned.
func clearsignedBody(b []byte) ([]byte, int, error) {
	const begin, sig = "-----BEGIN PGP SIGNED MESSAGE-----", "-----BEGIN PGP SIGNATURE-----"
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != begin {
		return b, 1, nil
	}
	i := 1
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" { // armour headers (Hash: SHA256)
		i++
	}
	if i == len(lines) {
		return nil, 0, errors.New("a clearsigned message with no text")
	}
	i++
	start := i + 1
	var out strings.Builder
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == sig {
			return []byte(out.String()), start, nil
		}
		out.WriteString(strings.TrimPrefix(lines[i], "- "))
		out.WriteByte('\n')
	}
	return nil, 0, fmt.Errorf("line %d: a clearsigned message with no %s", len(lines), sig)
}

// debField is one field of a deb822 paragraph: its name, the value on its
// first line (trimmed), its continuation lines (without the leading
// space) and the line it starts on.
type debField struct {
	Name, Value string
	Cont        []string
	Line        int
}

// maxDebLine bounds one line of a deb822 file.
const maxDebLine = 1 << 20

// debFieldName is a field name: printable ASCII but ':' and space, not
// starting with '#' or '-'.
var debFieldName = regexp.MustCompile(`^[!-"$-,.-9;-~][!-9;-~]*$`)

// deb822 calls fn with each paragraph of r (Debian control-file syntax:
// "Name: value" fields, continuation lines starting with a space or tab,
// paragraphs separated by blank lines, '#' comment lines skipped), lines
// numbered from first. Errors name the line.
func deb822(r io.Reader, first int, fn func(par []debField) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxDebLine)
	var par []debField
	seen := map[string]bool{}
	flush := func() error {
		if len(par) == 0 {
			return nil
		}
		err := fn(par)
		par = par[:0]
		clear(seen)
		return err
	}
	line := first - 1
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(text) == "":
			if err := flush(); err != nil {
				return err
			}
		case text[0] == '#':
		case text[0] == ' ' || text[0] == '\t':
			if len(par) == 0 {
				return fmt.Errorf("line %d: a continuation line with no field before it", line)
			}
			par[len(par)-1].Cont = append(par[len(par)-1].Cont, text[1:])
		default:
			name, value, ok := strings.Cut(text, ":")
			if !ok || !debFieldName.MatchString(name) {
				return fmt.Errorf("line %d: %q is not a field (Name: value)", line, printable(text))
			}
			key := strings.ToLower(name)
			if seen[key] {
				return fmt.Errorf("line %d: field %s appears twice in one paragraph", line, name)
			}
			seen[key] = true
			par = append(par, debField{Name: name, Value: strings.TrimSpace(value), Line: line})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", line+1, maxDebLine)
		}
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return flush()
}

// printable cuts s to 64 bytes for an error message.
func printable(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// DescriptionDoc is the document of one package: "NAME: SYNOPSIS", the
// package name and the first line of its Description field (the
// synopsis; an extended description on continuation lines is left out),
// or NAME alone for a package without a Description. Invalid UTF-8
// becomes U+FFFD, control characters spaces, and each run of white space
// one space, trimmed at both ends: a document is one line.
func DescriptionDoc(pkg, synopsis string) string {
	doc := pkg
	if synopsis != "" {
		doc += ": " + synopsis
	}
	doc = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(doc, "\uFFFD"))
	return strings.Join(strings.Fields(doc), " ")
}

// ExtractDescriptions reads a Packages index (deb822, uncompressed) and
// writes one line per package to w, in index order: DescriptionDoc of its
// Package and Description fields. It returns the number of documents.
// A paragraph without a Package name is an error naming its line.
func ExtractDescriptions(r io.Reader, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	n := 0
	err := deb822(r, 1, func(par []debField) error {
		var pkg, desc string
		for _, f := range par {
			switch strings.ToLower(f.Name) {
			case "package":
				pkg = f.Value
			case "description":
				desc = f.Value
			}
		}
		if DescriptionDoc(pkg, "") == "" {
			return fmt.Errorf("line %d: a paragraph with no Package name (a Packages index has one per package)", par[0].Line)
		}
		n++
		_, err := bw.WriteString(DescriptionDoc(pkg, desc) + "\n")
		return err
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// ReleaseChangedError is a re-fetch that found the archive's index
// replaced since the cached corpus was extracted (a point release of the
// suite): the documents would differ, so the cache is left as it was.
type ReleaseChangedError struct {
	Name, Index, Dir  string
	Was, Now          string // the releases, as Release.String
	WasSHA256, NowSHA string
	WasFetched        time.Time
	InRelease         string // the URL read
}

func (e *ReleaseChangedError) Error() string {
	return fmt.Sprintf("the archive's index has changed since %s was fetched: %s (%s) lists sha256 %s for %s, the cached corpus came from sha256 %s (%s, fetched %s); a point release of the suite replaces the index, so the documents, and results measured on them, would differ; the cache is left as it was: to replace it with the current index, remove %s and fetch again",
		e.Name, e.InRelease, e.Now, e.NowSHA, e.Index, e.WasSHA256, orNone(e.Was), e.WasFetched.Format(time.DateOnly), e.Dir)
}

// fetchDebian fetches a Debian suite's InRelease and the package index
// it lists, checks the index against the InRelease's SHA256, and extracts
// the documents. A cached, verified corpus is not fetched again unless
// Force; a re-fetch that finds the index replaced since the cached copy
// (a point release) stops with a ReleaseChangedError.
func fetchDebian(ctx context.Context, e Entry, dir string, m *Manifest, opt Options) error {
	var relFile, idxFile File
	for _, f := range e.Files {
		if f.Name() == "InRelease" || f.Name() == "Release" {
			relFile = f
		} else {
			idxFile = f
		}
	}
	if relFile.Path == "" || idxFile.Path == "" {
		return errors.New("the entry needs an InRelease file and an index file")
	}
	if m.Complete && len(m.Files) > 0 && !opt.Force {
		all := true
		for _, fn := range sortedKeys(m.Files) {
			ok, err := cachedOK(filepath.Join(dir, fn), m.Files[fn], opt)
			if err != nil {
				return err
			}
			all = all && ok
		}
		if all {
			opt.Log(fmt.Sprintf("%s: cached, %d documents sha256 verified (from %s)", DescriptionsFile, m.Rows, orNone(m.Release)))
			return nil
		}
	}

	// The InRelease, always read afresh: it says which index is current.
	relURL := e.URL(relFile, opt.Mirror)
	relPart := filepath.Join(dir, relFile.Name()+".part")
	os.Remove(relPart)
	os.Remove(relPart + metaSuffix)
	relGot, err := download(ctx, e.Name, relURL, relPart, opt)
	if err != nil {
		return err
	}
	defer os.Remove(relPart)
	defer os.Remove(relPart + metaSuffix)
	b, err := os.ReadFile(relPart)
	if err != nil {
		return err
	}
	rel, err := ParseRelease(b)
	if err != nil {
		return fmt.Errorf("%s: not a Release file: %w", relURL, err)
	}
	suite := path.Dir(relFile.Path)
	if name := path.Base(suite); rel.Codename != "" && rel.Codename != name && rel.Suite != name {
		return fmt.Errorf("%s: the file is suite %s (codename %s), not %s", relURL, rel.Suite, rel.Codename, name)
	}
	idxPath := strings.TrimPrefix(idxFile.Path, suite+"/")
	want, ok := rel.SHA256[idxPath]
	if !ok {
		return fmt.Errorf("%s lists no SHA256 for %s", relURL, idxPath)
	}
	if prev, ok := m.Archives[idxFile.Name()]; ok && prev.SHA256 != want.SHA256 {
		return &ReleaseChangedError{Name: e.Name, Index: idxPath, Dir: dir, Was: m.Release, Now: rel.String(),
			WasSHA256: prev.SHA256, NowSHA: want.SHA256, WasFetched: prev.Fetched, InRelease: relURL}
	}
	opt.Log(fmt.Sprintf("%s: %s, %s sha256 %s", relFile.Name(), rel, idxPath, want.SHA256))

	// The index, checked against the InRelease's SHA256 and size.
	idxFile.SHA256 = want.SHA256
	u := e.URL(idxFile, opt.Mirror)
	part := filepath.Join(dir, idxFile.Name()+".part")
	got, err := download(ctx, e.Name, u, part, opt)
	if err != nil {
		return err
	}
	kind, err := check(u, idxFile, got, Record{}, false)
	if err == nil && got.size != want.Size {
		err = fmt.Errorf("%s: %d bytes, the InRelease lists %d", u, got.size, want.Size)
	}
	if err != nil {
		os.Remove(part)
		os.Remove(part + metaSuffix)
		return fmt.Errorf("%w (against %s); the download was discarded and the cache left as it was (an archive being updated can serve a new InRelease before its index: run the command again later)", err, relURL)
	}
	rows, rec, err := extractDescriptions(part, dir, kind)
	if err != nil {
		os.Remove(part)
		os.Remove(part + metaSuffix)
		return fmt.Errorf("%s: %w", u, err)
	}
	now := time.Now().UTC()
	m.Files = map[string]Record{DescriptionsFile: rec}
	m.Archives = map[string]Record{
		idxFile.Name(): {SHA256: got.sha256, MD5: got.md5, Size: got.size, Checksum: kind, URL: u, Fetched: now},
		relFile.Name(): {SHA256: relGot.sha256, Size: relGot.size, Checksum: ChecksumUnsigned, URL: relURL, Fetched: now},
	}
	m.Release, m.Rows = rel.String(), rows
	// The InRelease stays beside the corpus for the record (its signature
	// can be checked with gpgv); the index is deleted.
	if err := os.Rename(relPart, filepath.Join(dir, relFile.Name())); err != nil {
		return err
	}
	if err := m.write(dir); err != nil {
		return err
	}
	os.Remove(part)
	os.Remove(part + metaSuffix)
	opt.Log(fmt.Sprintf("%s: extracted %d documents into %s", idxFile.Name(), rows, DescriptionsFile))
	return nil
}

// extractDescriptions writes the documents of the gzipped Packages index
// at archive into dir/DescriptionsFile (through a temporary name, renamed
// once complete) and returns their count and the file's record.
func extractDescriptions(archive, dir, kind string) (int, Record, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, Record{}, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, Record{}, fmt.Errorf("not gzipped: %w", err)
	}
	defer zr.Close()
	tmp := filepath.Join(dir, DescriptionsFile+".extract")
	out, err := os.Create(tmp)
	if err != nil {
		return 0, Record{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(out, h)}
	rows, err := ExtractDescriptions(zr, cw)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && rows == 0 {
		err = errors.New("the index lists no packages")
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, DescriptionsFile))
	}
	if err != nil {
		os.Remove(tmp)
		return 0, Record{}, err
	}
	return rows, Record{SHA256: hex.EncodeToString(h.Sum(nil)), Size: cw.n, Checksum: kind, Fetched: time.Now().UTC()}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
