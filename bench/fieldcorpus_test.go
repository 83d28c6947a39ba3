package bench_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/datasets/fetch"
	"github.com/milvbench/milvbench/workloads"
)

// TestLoadFieldsCorpus: a text field naming a fetched corpus reads the
// cached lines file (the first rows documents, queries drawn from them);
// one not in the cache is one line naming the fetch command, and nothing
// is downloaded.
func TestLoadFieldsCorpus(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("MILVBENCH_CACHE", cache)
	spec, err := workloads.Parse("corpus.yaml", []byte(`name: corpus
dataset: {size: 4, queries: 3, seed: 1}
fields:
  - name: text
    type: text
    data: {name: debian-descriptions, query_words: [2, 3]}
indexes: [{type: SPARSE_INVERTED_INDEX}]
search: {kind: bm25, topk: 2}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "datasets", "debian-descriptions")
	_, err = bench.LoadFields(context.Background(), spec, ".", 4, 3)
	want := "corpus.yaml: field text: debian-descriptions is not in the cache (" + dir + "); fetch it first: milvbench dataset fetch debian-descriptions"
	if err == nil || err.Error() != want {
		t.Fatalf("not fetched:\n got: %v\nwant: %s", err, want)
	}

	// The corpus as dataset fetch leaves it: the lines file and a manifest.
	docs := "0ad: Real-time strategy game of ancient warfare\n2048: Slide and add puzzle game for text mode\n" +
		"a2ps: GNU a2ps - 'Anything to PostScript' converter and pretty-printer\nabcde: A Better CD Encoder\nzstd: fast lossless compression\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fetch.DescriptionsFile), []byte(docs), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(docs))
	m := fetch.Manifest{Name: "debian-descriptions", Format: fetch.FormatDebianPackages, Complete: true, Rows: 5,
		Files: map[string]fetch.Record{fetch.DescriptionsFile: {SHA256: hex.EncodeToString(sum[:]), Size: int64(len(docs)), Checksum: fetch.ChecksumPublished}}}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, fetch.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	fields, err := bench.LoadFields(context.Background(), spec, ".", 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	fv := fields[0]
	if fv.Rows() != 4 || fv.Queries() != 3 || fv.Texts[0] != "0ad: Real-time strategy game of ancient warfare" || fv.Texts[3] != "abcde: A Better CD Encoder" {
		t.Errorf("rows %d %q, queries %d", fv.Rows(), fv.Texts, fv.Queries())
	}
	for _, q := range fv.TextQueries {
		if n := len(strings.Fields(q)); n < 2 || n > 3 {
			t.Errorf("query %q has %d words, want 2..3", q, n)
		}
	}

	// A changed file is refused, with the command that fetches it again.
	if err := os.WriteFile(filepath.Join(dir, fetch.DescriptionsFile), []byte(strings.ToUpper(docs)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bench.LoadFields(context.Background(), spec, ".", 4, 3); err == nil || strings.Contains(err.Error(), "\n") ||
		!strings.HasSuffix(err.Error(), "fetch it again: milvbench dataset fetch debian-descriptions") {
		t.Errorf("changed corpus: %v", err)
	}
}
