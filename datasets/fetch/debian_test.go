package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// The documents testdata/debian/Packages gives, in index order.
var fixtureDocs = []string{
	"0ad: Real-time strategy game of ancient warfare",
	"acme-long: A package whose index carries the long description too",
	"no-description",
	"Lower-Case-Fields: tabs and runs of spaces are one space",
	"utf8-ok: Ünïcödé — naïve café support ✓",
}

// fixturePackagesGz is testdata/debian/Packages gzipped.
func fixturePackagesGz(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/debian/Packages")
	must(t, err)
	return gzipped(t, raw)
}

func gzipped(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(raw)
	must(t, err)
	must(t, zw.Close())
	return b.Bytes()
}

// fixtureInRelease is testdata/debian/InRelease listing index (the
// gzipped Packages) for main/binary-amd64/Packages.gz, as version.
func fixtureInRelease(t *testing.T, index []byte, version string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/debian/InRelease")
	must(t, err)
	return []byte(strings.NewReplacer("@VERSION@", version, "@SHA256@", sum(index), "@SIZE@", fmt.Sprint(len(index))).Replace(string(b)))
}

// TestParseRelease: the fixture InRelease, an unsigned Release, and the
// one-line error of each malformed file, naming its line.
func TestParseRelease(t *testing.T) {
	idx := fixturePackagesGz(t)
	fixture := fixtureInRelease(t, idx, "12.15")
	r, err := ParseRelease(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "Debian 12.15 (bookworm), Sat, 11 Jul 2026 10:16:37 UTC" {
		t.Errorf("release %q", got)
	}
	if got := r.SHA256["main/binary-amd64/Packages.gz"]; got.SHA256 != sum(idx) || got.Size != int64(len(idx)) {
		t.Errorf("Packages.gz %+v, want %s %d", got, sum(idx), len(idx))
	}
	if len(r.SHA256) != 4 || r.SHA256["main/binary-amd64/Packages"].Size != 50060337 {
		t.Errorf("SHA256 %v: the MD5Sum section must not be read as SHA256", r.SHA256)
	}

	const sha = "515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f"
	cases := []struct {
		name, text string
		wantErr    string
		wantPath   string
	}{
		{name: "unsigned Release", text: "Origin: Debian\nCodename: bookworm\nSHA256:\n " + sha + " 10 main/binary-amd64/Packages.gz\n", wantPath: "main/binary-amd64/Packages.gz"},
		{name: "dash-escaped", text: "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\n- -dashed: x\nSHA256:\n " + sha + " 10 a/b\n-----BEGIN PGP SIGNATURE-----\n\nx\n-----END PGP SIGNATURE-----\n", wantErr: `line 5: "-dashed: x" is not a field`},
		{name: "CRLF", text: "Origin: Debian\r\nSHA256:\r\n " + sha + " 10 a/b\r\n", wantPath: "a/b"},
		{name: "no SHA256", text: "Origin: Debian\nMD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4 1 a\n", wantErr: "no SHA256 field"},
		{name: "empty SHA256", text: "Origin: Debian\nSHA256:\n", wantErr: "no SHA256 field"},
		{name: "short sum", text: "Origin: Debian\nSHA256:\n abc 10 a/b\n", wantErr: `line 3: SHA256 entry for a/b: "abc" is not a sha256 (64 hex digits)`},
		{name: "bad size", text: "Origin: Debian\nSHA256:\n " + sha + " ten a/b\n", wantErr: `line 3: SHA256 entry for a/b: size "ten" is not a byte count`},
		{name: "two fields", text: "SHA256:\n " + sha + " a/b\n", wantErr: `line 2: SHA256 entry`},
		{name: "listed twice", text: "SHA256:\n " + sha + " 1 a/b\n " + sha + " 1 a/b\n", wantErr: "line 3: SHA256 lists a/b twice"},
		{name: "value on first line", text: "SHA256: " + sha + " 1 a/b\n", wantErr: "line 1: SHA256: the field's first line must be empty"},
		{name: "continuation first", text: " " + sha + " 1 a/b\nSHA256:\n", wantErr: "line 1: a continuation line with no field before it"},
		{name: "not a field", text: "Origin Debian\n", wantErr: `line 1: "Origin Debian" is not a field (Name: value)`},
		{name: "field twice", text: "Origin: a\norigin: b\n", wantErr: "line 2: field origin appears twice in one paragraph"},
		{name: "two paragraphs", text: "Origin: a\n\nOrigin: b\n", wantErr: "line 3: a second paragraph"},
		{name: "unterminated signature", text: "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: a\n", wantErr: "a clearsigned message with no -----BEGIN PGP SIGNATURE-----"},
		{name: "fixture line numbers", text: strings.Replace(string(fixture), " 9e0b5aab", " 9e0b5aaX", 1), wantErr: "line 21: SHA256 entry for main/binary-amd64/Packages.xz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRelease([]byte(tc.text))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.SHA256[tc.wantPath].SHA256 != sha {
				t.Errorf("SHA256 %v, want %s", r.SHA256, tc.wantPath)
			}
		})
	}
}

// TestExtractDescriptions: one document per package in index order from
// the fixture (multi-line fields, a long description, a package without
// Description, lower-case field names, white space, UTF-8), and the
// errors of a malformed index, each naming its line.
func TestExtractDescriptions(t *testing.T) {
	raw, err := os.ReadFile("testdata/debian/Packages")
	must(t, err)
	var out bytes.Buffer
	n, err := ExtractDescriptions(bytes.NewReader(raw), &out)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(fixtureDocs, "\n") + "\n"; out.String() != want || n != len(fixtureDocs) {
		t.Errorf("%d documents:\n%s\nwant %d:\n%s", n, out.String(), len(fixtureDocs), want)
	}
	cases := []struct {
		name, text string
		want       []string
		wantErr    string
	}{
		{name: "no trailing blank line", text: "Package: a\nDescription: b", want: []string{"a: b"}},
		{name: "blank lines and comments", text: "\n\n# a comment\nPackage: a\n\n \n\t\nPackage: b\nDescription: c\n\n\n", want: []string{"a", "b: c"}},
		{name: "control characters", text: "Package: a\nDescription: x\x01y\x7fz\r\n", want: []string{"a: x y z"}},
		{name: "invalid UTF-8", text: "Package: a\nDescription: caf\xe9\n", want: []string{"a: caf\uFFFD"}},
		{name: "empty description", text: "Package: a\nDescription:\n more\n", want: []string{"a"}},
		{name: "no Package", text: "Package: a\n\nVersion: 1\nDescription: b\n", wantErr: "line 3: a paragraph with no Package name"},
		{name: "blank Package", text: "Package: \x00\t\nDescription: b\n", wantErr: "line 1: a paragraph with no Package name"},
		{name: "not a field", text: "Package: a\nDescription b\n", wantErr: `line 2: "Description b" is not a field (Name: value)`},
		{name: "field twice", text: "Package: a\nPackage: b\n", wantErr: "line 2: field Package appears twice"},
		{name: "too long", text: "Package: a\nDepends: " + strings.Repeat("x", maxDebLine) + "\n", wantErr: "line 2: longer than 1048576 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := ExtractDescriptions(strings.NewReader(tc.text), &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); n != len(tc.want) || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%d documents %q, want %q", n, got, tc.want)
			}
		})
	}
}

// archive is a test Debian archive: an InRelease and an index below
// /debian/dists/bookworm/, which a test can replace (a point release).
type archive struct {
	mu        sync.Mutex
	inRelease []byte
	index     []byte
	hits      map[string]int
}

func (a *archive) set(inRelease, index []byte) {
	a.mu.Lock()
	a.inRelease, a.index = inRelease, index
	a.mu.Unlock()
}

func (a *archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits[r.URL.Path]++
	files := map[string][]byte{"/debian/dists/bookworm/InRelease": a.inRelease, "/debian/dists/bookworm/main/binary-amd64/Packages.gz": a.index}
	a.mu.Unlock()
	b, ok := files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	serve(b, fmt.Sprintf(`"%s"`, sum(b)[:16]))(w, r)
}

// TestDebianFetch fetches the catalogue's debian-descriptions from a test
// archive serving the fixtures, end to end: the index checked against
// the InRelease, the documents extracted and resolved for a text field,
// a cached corpus left alone, an index that does not match its InRelease
// discarded, and a point release refused on a re-fetch with the cache
// left as it was.
func TestDebianFetch(t *testing.T) {
	idx := fixturePackagesGz(t)
	a := &archive{hits: map[string]int{}}
	a.set(fixtureInRelease(t, idx, "12.15"), idx)
	srv := newServer(t, a.ServeHTTP)
	e, ok := Lookup("debian-descriptions")
	if !ok {
		t.Fatal("debian-descriptions is not in the catalogue")
	}
	e.BaseURL = srv.URL + "/debian/"
	root := t.TempDir()
	dir := Dir(root, e.Name)
	var logs []string
	opt := Options{Root: root, Log: func(s string) { logs = append(logs, s) }}

	// Not fetched yet: a run's resolution names the fetch command.
	if _, _, err := ResolveText(e.Name, root); err == nil || err.Error() != "debian-descriptions is not in the cache ("+dir+"); fetch it first: milvbench dataset fetch debian-descriptions" {
		t.Fatalf("before fetching: %v", err)
	}

	m, err := Fetch(context.Background(), e, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(fixtureDocs, "\n") + "\n"
	got, err := os.ReadFile(filepath.Join(dir, DescriptionsFile))
	must(t, err)
	if string(got) != want {
		t.Errorf("descriptions.txt:\n%s\nwant:\n%s", got, want)
	}
	if m.Rows != len(fixtureDocs) || m.Release != "Debian 12.15 (bookworm), Sat, 11 Jul 2026 10:16:37 UTC" || !m.Complete ||
		m.Files[DescriptionsFile].SHA256 != sum(got) || m.Files[DescriptionsFile].Checksum != ChecksumPublished ||
		m.Archives["Packages.gz"].SHA256 != sum(idx) || m.Archives["InRelease"].Checksum != ChecksumUnsigned {
		t.Errorf("manifest %+v", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "Packages.gz")); err == nil {
		t.Error("the index was kept after extraction")
	}
	if _, err := os.Stat(filepath.Join(dir, "InRelease")); err != nil {
		t.Errorf("the InRelease was not kept: %v", err)
	}
	if parts, _ := filepath.Glob(filepath.Join(dir, "*.part*")); len(parts) > 0 {
		t.Errorf("left behind: %v", parts)
	}
	p, rows, err := ResolveText(e.Name, root)
	if err != nil || rows != len(fixtureDocs) || p != filepath.Join(dir, DescriptionsFile) {
		t.Errorf("resolved to %s, %d rows, %v", p, rows, err)
	}
	// dataset.name is for vectors.
	if _, err := Resolve(&workloads.DatasetSpec{Name: e.Name}, root); err == nil || !strings.Contains(err.Error(), "is a text corpus, not vectors: a text field reads it (fields[].data: {name: debian-descriptions})") {
		t.Errorf("dataset.name: %v", err)
	}

	// Cached and verified: nothing is downloaded.
	before := srv.hits.Load()
	if _, err := Fetch(context.Background(), e, opt); err != nil {
		t.Fatal(err)
	}
	if srv.hits.Load() != before || !strings.Contains(logs[len(logs)-1], "cached, 5 documents sha256 verified (from Debian 12.15") {
		t.Errorf("a cached corpus was fetched again (%d requests); log %q", srv.hits.Load()-before, logs[len(logs)-1])
	}

	// A changed file in the cache fails resolution with the fetch command.
	must(t, os.WriteFile(filepath.Join(dir, DescriptionsFile), []byte(strings.Replace(want, "0ad", "1ad", 1)), 0o644))
	if _, _, err := ResolveText(e.Name, root); err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.HasSuffix(err.Error(), "fetch it again: milvbench dataset fetch debian-descriptions") {
		t.Errorf("corrupted: %v", err)
	}
	// Fetching again repairs it from the same release.
	if _, err := Fetch(context.Background(), e, opt); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, DescriptionsFile)); string(got) != want {
		t.Errorf("not repaired:\n%s", got)
	}

	// An index that does not match its InRelease (an archive mid-update)
	// is discarded; the cache is left as it was.
	other := gzipped(t, []byte("Package: other\nDescription: another release's index\n"))
	a.set(fixtureInRelease(t, idx, "12.15"), other)
	_, err = Fetch(context.Background(), e, Options{Root: root, Force: true})
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Against != "published" || !strings.Contains(err.Error(), "run the command again later") || strings.Contains(err.Error(), "\n") {
		t.Errorf("index not matching its InRelease: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, DescriptionsFile)); string(got) != want {
		t.Errorf("the cache changed after a failed fetch:\n%s", got)
	}

	// A point release: the InRelease lists a new index. A re-fetch stops
	// before downloading it and says what changed; the cache is as it was.
	a.set(fixtureInRelease(t, other, "12.16"), other)
	a.mu.Lock()
	clear(a.hits)
	a.mu.Unlock()
	_, err = Fetch(context.Background(), e, Options{Root: root, Force: true})
	var rc *ReleaseChangedError
	if !errors.As(err, &rc) || rc.Was != "Debian 12.15 (bookworm), Sat, 11 Jul 2026 10:16:37 UTC" || rc.Now != "Debian 12.16 (bookworm), Sat, 11 Jul 2026 10:16:37 UTC" ||
		rc.WasSHA256 != sum(idx) || rc.NowSHA != sum(other) || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), "the cache is left as it was: to replace it with the current index, remove "+dir+" and fetch again") {
		t.Errorf("point release: %v", err)
	}
	t.Log(err)
	if a.hits["/debian/dists/bookworm/main/binary-amd64/Packages.gz"] != 0 {
		t.Error("the new index was downloaded")
	}
	if p, rows, err := ResolveText(e.Name, root); err != nil || rows != len(fixtureDocs) {
		t.Errorf("after a refused re-fetch: %s %d %v", p, rows, err)
	}
	// Removing the directory takes the new release.
	must(t, os.RemoveAll(dir))
	if m, err = Fetch(context.Background(), e, opt); err != nil || m.Rows != 1 || !strings.HasPrefix(m.Release, "Debian 12.16") {
		t.Errorf("after removing the cache: %+v %v", m, err)
	}

	// An InRelease without the index, or not a Release file at all.
	for _, tc := range []struct{ name, inRelease, want string }{
		{"index not listed", strings.Replace(string(fixtureInRelease(t, idx, "12.15")), " main/binary-amd64/Packages.gz\n", " main/binary-i386/Packages.gz\n", -1),
			"/debian/dists/bookworm/InRelease lists no SHA256 for main/binary-amd64/Packages.gz"},
		{"not a Release file", "<html>mirror error page</html>\n", "InRelease: not a Release file: line 1:"},
		{"another suite", strings.Replace(string(fixtureInRelease(t, idx, "12.15")), "Codename: bookworm", "Codename: trixie", 1),
			"the file is suite oldstable (codename trixie), not bookworm"},
	} {
		must(t, os.RemoveAll(dir))
		a.set([]byte(tc.inRelease), idx)
		if _, err := Fetch(context.Background(), e, opt); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, DescriptionsFile)); err == nil {
			t.Errorf("%s: a failed fetch left documents", tc.name)
		}
	}
}

// TestResolveTextNames: a vector dataset or an unknown name given as a
// text corpus.
func TestResolveTextNames(t *testing.T) {
	root := t.TempDir()
	for name, want := range map[string]string{
		"glove-25-angular": "glove-25-angular is a vector dataset: name it in dataset.name (text corpora: debian-descriptions)",
		"debian-desc":      `no text corpus "debian-desc" in the catalogue (text corpora: debian-descriptions)`,
		"../x":             `no text corpus "../x" in the catalogue`,
	} {
		if _, _, err := ResolveText(name, root); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}
