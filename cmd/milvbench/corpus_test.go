package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateCorpus: validate warns about a text corpus not yet fetched
// (only a run reads it) and refuses an unknown one on the line of its
// data.name.
func TestValidateCorpus(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("MILVBENCH_CACHE", cache)
	write := func(name string) string {
		p := filepath.Join(t.TempDir(), "w.yaml")
		src := "name: corpus\ntarget: {kind: milvus, uri: \"http://127.0.0.1:19530\"}\ndataset: {size: 1000, queries: 10}\nfields:\n" +
			"  - name: text\n    type: text\n    data: {name: " + name + "}\nindexes: [{type: SPARSE_INVERTED_INDEX}]\nsearch: {kind: bm25}\n"
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out, errOut, err := execute("validate", write("debian-descriptions"))
	want := "warning: fields[0].data.name: debian-descriptions is not in the cache (" + filepath.Join(cache, "datasets", "debian-descriptions") + "); fetch it first: milvbench dataset fetch debian-descriptions\n"
	if err != nil || !strings.Contains(errOut, want) || !strings.HasSuffix(out, "ok\n") {
		t.Errorf("not fetched: %v\nstderr: %s\nstdout: %s", err, errOut, out)
	}
	p := write("debian-descriptons")
	if _, _, err := execute("validate", p); err == nil || err.Error() != p+`:7: fields[0].data.name: no text corpus "debian-descriptons" in the catalogue (text corpora: debian-descriptions)` {
		t.Errorf("unknown corpus: %v", err)
	}
	if _, _, err := execute("validate", write("sift1m")); err == nil || !strings.Contains(err.Error(), ":7: fields[0].data.name: sift1m is a vector dataset: name it in dataset.name") {
		t.Errorf("vector dataset: %v", err)
	}
}
