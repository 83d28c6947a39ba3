package workloads

import "testing"

// TestDatasetName covers dataset.name, a public dataset fetched into the
// cache: it leaves source, path and metric to be set when the name is
// resolved, and refuses the keys that would contradict it.
func TestDatasetName(t *testing.T) {
	tests := []struct {
		dataset string
		wantErr string
		metric  Metric
	}{
		{dataset: "{name: sift-128-euclidean}"},
		{dataset: "{name: glove-100-angular, metric: IP, size: 1000, queries: 100}", metric: IP},
		{dataset: "\n  name: sift1m\n  source: dir", wantErr: "w.yaml:4: dataset.source: does not apply with dataset.name \"sift1m\": a named dataset's files are the ones `milvbench dataset fetch sift1m` put in the cache"},
		{dataset: "{name: sift1m, path: data/sift}", wantErr: "w.yaml:2: dataset.path: does not apply with dataset.name \"sift1m\""},
		{dataset: "{name: sift1m, base_file: b.fvecs}", wantErr: "w.yaml:2: dataset.base_file: does not apply with dataset.name \"sift1m\""},
		{dataset: "{name: sift1m, distribution: gaussian}", wantErr: "w.yaml:2: dataset.distribution: only applies to source: synthetic"},
	}
	for _, tt := range tests {
		t.Run(tt.dataset, func(t *testing.T) {
			src := "name: named\ndataset: " + tt.dataset + "\nindexes: [{type: HNSW}]\n"
			spec, err := Parse("w.yaml", []byte(src), noEnv)
			if tt.wantErr != "" {
				if err == nil || len(err.Error()) < len(tt.wantErr) || err.Error()[:len(tt.wantErr)] != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if spec.Dataset.Source != "" || spec.Dataset.Metric != tt.metric || spec.Dataset.Path != "" {
				t.Errorf("source %q metric %q path %q before the name is resolved", spec.Dataset.Source, spec.Dataset.Metric, spec.Dataset.Path)
			}
			// Resolving the name (cmd/milvbench) sets source and path;
			// the workload validates again and keeps its identity.
			before := spec.Hash()
			spec.Dataset.Source, spec.Dataset.Path, spec.Dataset.Metric = SourceDir, "/cache/datasets/x", L2
			spec.Dataset.Size, spec.Dataset.Dim, spec.Dataset.Queries = 10000, 128, 100
			if err := Validate(spec); err != nil {
				t.Fatal(err)
			}
			if spec.Hash() != before {
				t.Errorf("the hash changed when the name was resolved")
			}
		})
	}
	// The name is part of the identity; a workload without one hashes as before.
	a, _ := Parse("w.yaml", []byte("name: n\ndataset: {name: sift1m}\nindexes: [{type: FLAT}]\n"), noEnv)
	b, _ := Parse("w.yaml", []byte("name: n\ndataset: {name: gist1m}\nindexes: [{type: FLAT}]\n"), noEnv)
	if a == nil || b == nil || a.Hash() == b.Hash() {
		t.Errorf("two dataset names hash alike")
	}
}
