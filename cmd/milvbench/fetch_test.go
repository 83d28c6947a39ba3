package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/datasets/fetch"
)

// tarGz packs the files of dir into a gzipped tar below prefix/.
func tarGz(t *testing.T, dir, prefix string) []byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: prefix + "/" + e.Name(), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestDatasetFetch: fetch a TEXMEX-layout tarball by URL from a local
// server, then a workload naming it validates and reads it; a corrupted
// cache file, a dataset not fetched and an unknown name each fail with one
// line (exit 2) saying what to do.
func TestDatasetFetch(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("MILVBENCH_CACHE", cache)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if _, stderr, err := execute("dataset", "gen", "--size", "500", "--dim", "8", "--queries", "20", "--k", "10", "--format", "fvecs", "--out", data); err != nil {
		t.Fatalf("dataset gen: %v\n%s", err, stderr)
	}
	tgz := tarGz(t, data, "mini")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "mini.tar.gz", time.Unix(1700000000, 0), bytes.NewReader(tgz))
	}))
	defer srv.Close()

	stdout, stderr, err := execute("dataset", "fetch", "mini", "--url", srv.URL+"/files/mini.tar.gz")
	if err != nil {
		t.Fatalf("dataset fetch: %v\n%s", err, stderr)
	}
	for _, want := range []string{"fetch  mini from " + srv.URL + "/files/mini.tar.gz into " + filepath.Join(cache, "datasets", "mini"),
		"fetch  mini.tar.gz ", "extracted synthetic_base.fvecs, synthetic_groundtruth.ivecs, synthetic_query.fvecs"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("fetch printed %q; want it to contain %q", stderr, want)
		}
	}
	if want := "fetched mini: 3 files, "; !strings.HasPrefix(stdout, want) || !strings.HasSuffix(stdout, ", sha256 recorded on first download (every later fetch and read is checked against it); use it with dataset: {name: mini}\n") {
		t.Errorf("fetch says %q", stdout)
	}

	w := filepath.Join(dir, "w.yaml")
	writeFile(t, w, "name: named\ndataset: {name: mini}\nindexes: [{type: FLAT}]\nload: {duration: 200ms}\n")
	stdout, stderr, err = execute("validate", w)
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "dataset:  dir files, 500 × 8, L2, 20 queries") || !strings.Contains(stdout, "synthetic_base.fvecs") || !strings.Contains(stderr, "data   mini: 3 files") {
		t.Errorf("validate printed %q and %q", stdout, stderr)
	}
	if stdout, _, err := execute("dataset", "info", w); err != nil || !strings.Contains(stdout, "name      mini (fvecs)") || !strings.Contains(stdout, "shape     500 × 8, 20 queries") {
		t.Errorf("dataset info: %v\n%s", err, stdout)
	}

	// Fetching again reads nothing from the server.
	if _, stderr, err := execute("dataset", "fetch", "mini", "--url", srv.URL+"/gone/mini.tar.gz"); err != nil || !strings.Contains(stderr, "3 extracted files sha256 verified") {
		t.Errorf("second fetch: %v\n%s", err, stderr)
	}

	base := filepath.Join(cache, "datasets", "mini", "synthetic_base.fvecs")
	b, _ := os.ReadFile(base)
	b[100] ^= 0xff
	writeFile(t, base, string(b))
	nofetch := filepath.Join(dir, "nofetch.yaml")
	writeFile(t, nofetch, "name: named\ndataset: {name: sift-128-euclidean}\nindexes: [{type: FLAT}]\n")
	unknown := filepath.Join(dir, "unknown.yaml")
	writeFile(t, unknown, "name: named\ndataset: {name: glove-100}\nindexes: [{type: FLAT}]\n")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"validate", w}, []string{w + ": dataset.name: mini: " + base + ": checksum mismatch: expected sha256 ", "(recorded on first download), got sha256 ", "; fetch it again: milvbench dataset fetch mini"}},
		{[]string{"run", nofetch}, []string{nofetch + ": dataset.name: sift-128-euclidean is not in the cache (" + filepath.Join(cache, "datasets", "sift-128-euclidean") + "); fetch it first: milvbench dataset fetch sift-128-euclidean"}},
		{[]string{"validate", unknown}, []string{unknown + `: dataset.name: no dataset "glove-100" in the catalogue or the cache; nearest: glove-100-angular, `}},
		{[]string{"dataset", "fetch", "sift-128"}, []string{`no dataset "sift-128" in the catalogue; nearest: sift-128-euclidean, sift10k, sift1m`}},
		{[]string{"dataset", "fetch"}, []string{"fetch takes a dataset name"}},
		{[]string{"dataset", "fetch", "sift1m", "--timeout", "0s"}, []string{"--timeout 0s: must be positive"}},
	} {
		_, stderr, err := execute(tc.args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: error %v (exit %d), want exit 2", tc.args, err, exitCode(err))
			continue
		}
		msg := oneLine(err)
		if msg != err.Error() {
			t.Errorf("%v: error is not one line: %q", tc.args, err)
		}
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: error %q, want it to contain %q", tc.args, msg, want)
			}
		}
		if strings.Contains(stderr, "fetch  ") {
			t.Errorf("%v downloaded: %s", tc.args, stderr)
		}
	}
}

// TestDatasetFetchList prints every catalogue entry with its shape, size,
// checksum kind, licence and source.
func TestDatasetFetchList(t *testing.T) {
	stdout, _, err := execute("dataset", "fetch", "--list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(stdout, "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "LICENCE") {
		t.Errorf("header %q", lines[0])
	}
	row := map[string]string{}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			row[f[0]] = l
		}
	}
	for _, e := range fetch.Catalogue() {
		if row[e.Name] == "" || !strings.Contains(row[e.Name], e.Licence) || !strings.Contains(row[e.Name], e.Source) || !strings.Contains(row[e.Name], e.Checksum) {
			t.Errorf("%s: row %q", e.Name, row[e.Name])
		}
	}
	for name, want := range map[string]string{
		"sift-128-euclidean": "128  L2      1000000    10000    501.0 MB  hdf5     recorded-on-first-download",
		"sift1m":             "128  L2      1000000    10000    161.0 MB  tar.gz   published",
		"cohere-1m":          "768  COSINE  1000000    ?        ?         parquet  recorded-on-first-download",
	} {
		if f := strings.Join(strings.Fields(row[name]), " "); !strings.Contains(f, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("%s: row %q, want %q", name, row[name], want)
		}
	}
	if _, _, err := execute("dataset", "fetch", "--list", "sift1m"); err == nil || exitCode(err) != 2 {
		t.Errorf("--list with a name: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
