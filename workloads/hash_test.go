package workloads

import (
	"strings"
	"testing"
)

// TestHashSameAfterFilesOpened checks the workload identity a resumed run
// and a scale-out shard compare: for every file source, the hash of the
// decoded workload stays the same after a run fills in the shape its
// files determine (size, dim, queries) and validates again, as
// cmd/milvbench's loadDataset and inspectDataset do.
func TestHashSameAfterFilesOpened(t *testing.T) {
	tests := []struct{ source, dataset string }{
		{SourceFvecs, "{source: fvecs, base_file: d/b.fvecs, query_file: d/q.fvecs}"},
		{SourceBvecs, "{source: bvecs, base_file: d/b.bvecs, query_file: d/q.bvecs, truth_file: d/gt.ivecs}"},
		{SourceNpy, "{source: npy, base_file: d/base.npy, query_file: d/queries.npy, truth_file: d/neighbors.npy}"},
		{SourceParquet, "{source: parquet, path: d}"},
		{SourceDir, "{source: dir, path: d, metric: IP}"},
		{SourceDir + " with size", "{source: dir, path: d, size: 1500, queries: 20}"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			src := "name: files\ndataset: " + tt.dataset + "\nindexes: [{type: HNSW, search: {ef: [16, 32]}}]\nload: {duration: 200ms}\n"
			spec, err := Parse("w.yaml", []byte(src), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			before := spec.Hash()
			copied := *spec
			spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = 2000, 16, 100
			if err := Validate(spec); err != nil {
				t.Fatal(err)
			}
			if after := spec.Hash(); after != before {
				t.Errorf("hash %.12s… after the files filled in size, dim and queries; %.12s… as decoded", after, before)
			}
			if got := copied.Hash(); got != before {
				t.Errorf("a copy of the decoded spec hashes to %.12s…, the spec to %.12s…", got, before)
			}
		})
	}
}

// TestHashIdentity checks what the workload identity includes: every
// decoded value (${VAR} references as resolved), but not the file's path,
// the server's address or where the token came from. A spec completed in
// code keeps its identity like a parsed one.
func TestHashIdentity(t *testing.T) {
	const src = "name: ident\ntarget: {kind: milvus%s}\ndataset: {size: \"${SIZE}\", dim: 8}\nindexes: [{type: FLAT}]\nload: {duration: 1s}\n"
	hash := func(t *testing.T, file, target string, vars map[string]string) string {
		t.Helper()
		spec, err := Parse(file, []byte(strings.Replace(src, "%s", target, 1)), func(n string) (string, bool) {
			v, ok := vars[n]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		return spec.Hash()
	}
	env := map[string]string{"SIZE": "1000", "MILVUS_URI": "http://127.0.0.1:19530"}
	base := hash(t, "w.yaml", "", env)
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range env {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name, file, target string
		env                map[string]string
		same               bool
	}{
		{"another file path", "elsewhere/w2.yaml", "", env, true},
		{"another server address", "w.yaml", "", with("MILVUS_URI", "http://10.0.0.7:19531"), true},
		{"address in the file", "w.yaml", ", uri: 'http://127.0.0.2:19530'", env, true},
		{"token from a variable", "w.yaml", "", with("MILVUS_TOKEN", "root:secret"), true},
		{"token from a file", "w.yaml", ", token_file: /tmp/t", env, false}, // token_file is part of the workload's text
		{"another ${SIZE}", "w.yaml", "", with("SIZE", "1001"), false},
		{"another request timeout", "w.yaml", ", request_timeout: 3s", env, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hash(t, tt.file, tt.target, tt.env); (got == base) != tt.same {
				t.Errorf("hash %.12s…, the base workload's %.12s…: want same=%v", got, base, tt.same)
			}
		})
	}

	t.Run("completed in code", func(t *testing.T) {
		spec := &Spec{Name: "code", Dataset: DatasetSpec{Source: SourceNpy, BaseFile: "b.npy", QueryFile: "q.npy"}, Indexes: []IndexSweep{{Type: "FLAT"}}}
		if err := Complete(spec, noEnv); err != nil {
			t.Fatal(err)
		}
		before := spec.Hash()
		spec.Dataset.Size, spec.Dataset.Dim = 500, 4
		if after := spec.Hash(); after != before {
			t.Errorf("hash %.12s… after filling the shape, %.12s… as completed", after, before)
		}
		// Completing again takes a change made in code into the identity.
		spec.Dataset.Size, spec.Dataset.Dim = 0, 0
		spec.Load.Duration = Duration(3e9)
		if err := Complete(spec, noEnv); err != nil {
			t.Fatal(err)
		}
		if again := spec.Hash(); again == before {
			t.Errorf("hash %.12s… unchanged after load.duration changed and the spec was completed again", again)
		}
	})
}
