package workloads

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

// TestMalformed asserts the exact one-line error of every file in testdata/bad.
func TestMalformed(t *testing.T) {
	want := map[string]string{
		"bad_arrivals.yaml":                  `testdata/bad/bad_arrivals.yaml:7: load.arrivals: "bursty" is not allowed (allowed: constant, poisson)`,
		"bad_duration.yaml":                  `testdata/bad/bad_duration.yaml:5: load.duration: "10" is not a duration (use a number with a unit: 500ms, 10s, 2m)`,
		"bad_env_reference.yaml":             `testdata/bad/bad_env_reference.yaml:3: dataset.size: "${1SIZE}" is not a valid environment variable reference (use ${NAME} with letters, digits and _)`,
		"bad_metric.yaml":                    `testdata/bad/bad_metric.yaml:5: dataset.metric: "l2" is not allowed (allowed: L2, IP, COSINE, HAMMING, JACCARD)`,
		"bad_name.yaml":                      `testdata/bad/bad_name.yaml:1: name: "my bench!" is not allowed: use a letter then up to 63 letters, digits or _ (it names collections)`,
		"capacity_key_in_open.yaml":          `testdata/bad/capacity_key_in_open.yaml:7: load.start_rate: does not apply to load model open (it uses: model, arrivals, duration, interval, max_in_flight, on_error, rate, repeat, warmup)`,
		"capacity_max_below_start.yaml":      `testdata/bad/capacity_max_below_start.yaml:7: load.max_rate: 100 is below load.start_rate (500)`,
		"capacity_precision.yaml":            `testdata/bad/capacity_precision.yaml:6: load.precision: -0.1 is out of range (a relative bracket width, 0 < precision < 1)`,
		"capacity_ramp_factor.yaml":          `testdata/bad/capacity_ramp_factor.yaml:6: load.ramp_factor: 1 is out of range (1 < ramp_factor ≤ 100)`,
		"capacity_without_goal.yaml":         `testdata/bad/capacity_without_goal.yaml:5: load.model: capacity needs a latency goal to search for: set goals.p99 (or goals.p95)`,
		"categories_range.yaml":              `testdata/bad/categories_range.yaml:6: dataset.categories: 100 is out of range (allowed 2..64)`,
		"categories_without_labels.yaml":     `testdata/bad/categories_without_labels.yaml:5: dataset.categories: only applies to labels: category`,
		"clusters_above_size.yaml":           `testdata/bad/clusters_above_size.yaml:5: dataset.clusters: 200 is out of range (allowed 1..100)`,
		"clusters_for_gaussian.yaml":         `testdata/bad/clusters_for_gaussian.yaml:6: dataset.clusters: only applies to distribution: clustered`,
		"concurrency_in_open.yaml":           `testdata/bad/concurrency_in_open.yaml:7: load.concurrency: does not apply to load model open (it uses: model, arrivals, duration, interval, max_in_flight, on_error, rate, repeat, warmup)`,
		"dim_range.yaml":                     `testdata/bad/dim_range.yaml:2: dataset.dim: 1 is out of range (allowed 2..32768)`,
		"duplicate_key.yaml":                 `testdata/bad/duplicate_key.yaml:6: search.topk: key "topk" appears twice`,
		"ef_below_topk.yaml":                 `testdata/bad/ef_below_topk.yaml:6: indexes[0].search.ef: 8 is out of range (Milvus allows topk (10) ≤ ef ≤ 2147483647)`,
		"empty.yaml":                         `testdata/bad/empty.yaml: file is empty; a workload needs at least name, dataset and indexes`,
		"empty_indexes.yaml":                 `testdata/bad/empty_indexes.yaml:3: indexes: must be a non-empty list of indexes, each with type, build and search`,
		"empty_list.yaml":                    `testdata/bad/empty_list.yaml:4: search.topk: must not be an empty list`,
		"env_unset.yaml":                     `testdata/bad/env_unset.yaml:3: dataset.size: environment variable MILVBENCH_TEST_UNSET_SIZE is not set`,
		"file_source_with_distribution.yaml": `testdata/bad/file_source_with_distribution.yaml:5: dataset.distribution: only applies to source: synthetic`,
		"flat_search_param.yaml":             `testdata/bad/flat_search_param.yaml:5: indexes[0].search.ef: FLAT has no search parameter "ef" (allowed: none)`,
		"hdf5_without_base_file.yaml":        `testdata/bad/hdf5_without_base_file.yaml:2: dataset: source hdf5 needs base_file (or path) naming the ann-benchmarks .hdf5 file`,
		"hdf5_with_query_file.yaml":          `testdata/bad/hdf5_with_query_file.yaml:2: dataset: source hdf5 takes its queries and neighbours from base_file (datasets test and neighbors): remove query_file and truth_file`,
		"fvecs_without_query_file.yaml":      `testdata/bad/fvecs_without_query_file.yaml:2: dataset: source fvecs needs base_file and query_file (truth_file is optional)`,
		"goals_cu_type.yaml":                 `testdata/bad/goals_cu_type.yaml:4: goals.cu_types[1]: "fast" is not allowed (allowed: performance, capacity, tiered)`,
		"goals_cu_type_twice.yaml":           `testdata/bad/goals_cu_type_twice.yaml:4: goals.cu_types[1]: "capacity" is listed twice`,
		"goals_dim_range.yaml":               `testdata/bad/goals_dim_range.yaml:4: goals.dim: 1 is out of range (2..32768; 0 means the dataset's dim)`,
		"goals_growth_months_alone.yaml":     `testdata/bad/goals_growth_months_alone.yaml:6: goals.growth_months: only applies with goals.growth (rows added per month)`,
		"goals_max_replicas.yaml":            `testdata/bad/goals_max_replicas.yaml:4: goals.max_replicas: 300 is out of range (0..256; 0 means the plan's limit)`,
		"goals_rows_word.yaml":               `testdata/bad/goals_rows_word.yaml:4: goals.rows: must be a whole number (e.g. 20000000, 20_000_000 or 2e7), got "lots"`,
		"hnsw_bad_param_name.yaml":           `testdata/bad/hnsw_bad_param_name.yaml:5: indexes[0].build.efconstruction: HNSW has no build parameter "efconstruction" (allowed: M, efConstruction)`,
		"hnsw_m_range.yaml":                  `testdata/bad/hnsw_m_range.yaml:5: indexes[0].build.M: 4096 is out of range (Milvus allows 2 ≤ M ≤ 2048)`,
		"index_missing_type.yaml":            `testdata/bad/index_missing_type.yaml:4: indexes[0].type: is missing (required)`,
		"index_not_mapping.yaml":             `testdata/bad/index_not_mapping.yaml:3: indexes[0]: must be a mapping of keys (build, field, search, type, vector_type), got "FLAT"`,
		"ingest_concurrency_range.yaml":      `testdata/bad/ingest_concurrency_range.yaml:6: load.insert_concurrency[1]: 2000 is out of range (allowed 1..1024)`,
		"ingest_key_in_closed.yaml":          `testdata/bad/ingest_key_in_closed.yaml:5: load.insert_batch: does not apply to load model closed (it uses: model, concurrency, duration, interval, on_error, repeat, think_time, warmup)`,
		"insert_batch_range.yaml":            `testdata/bad/insert_batch_range.yaml:4: insert.batch: -5 is out of range (allowed 1..1000000)`,
		"insert_concurrency_in_mixed.yaml":   `testdata/bad/insert_concurrency_in_mixed.yaml:7: load.insert_concurrency: does not apply to load model mixed (it uses: model, checkpoints, concurrency, delete_rate, duration, insert_batch, insert_rate, interval, max_error_rate, on_error, rate, repeat, think_time, upsert_rate, warmup)`,
		"interval_beyond_duration.yaml":      `testdata/bad/interval_beyond_duration.yaml:6: load.interval: 5s is out of range (allowed 10ms .. the trial duration 2s)`,
		"interval_too_short.yaml":            `testdata/bad/interval_too_short.yaml:5: load.interval: 1ms is out of range (allowed 10ms .. the trial duration 10s)`,
		"invalid_yaml.yaml":                  `testdata/bad/invalid_yaml.yaml:1: invalid YAML: did not find expected ',' or '}'`,
		"list_for_scalar.yaml":               `testdata/bad/list_for_scalar.yaml:1: name: must be a single value, got a list`,
		"max_error_rate_range.yaml":          `testdata/bad/max_error_rate_range.yaml:6: load.max_error_rate: 2 is out of range (a fraction of requests, 0..1)`,
		"max_in_flight_range.yaml":           `testdata/bad/max_in_flight_range.yaml:7: load.max_in_flight: 2000000 is out of range (allowed 1..1000000)`,
		"missing_name.yaml":                  `testdata/bad/missing_name.yaml:1: name: is missing (required)`,
		"mixed_checkpoints_range.yaml":       `testdata/bad/mixed_checkpoints_range.yaml:7: load.checkpoints: 5000 is out of range (allowed 1..1000)`,
		"mixed_delete_rate_negative.yaml":    `testdata/bad/mixed_delete_rate_negative.yaml:7: load.delete_rate: -5 is out of range (rows/s, 0..10000000)`,
		"mixed_insert_batch_range.yaml":      `testdata/bad/mixed_insert_batch_range.yaml:7: load.insert_batch[1]: 0 is out of range (rows per insert call, 1..100000)`,
		"mixed_without_insert_rate.yaml":     `testdata/bad/mixed_without_insert_rate.yaml:4: load.insert_rate: is required for load model mixed (rows/s; a number or a list)`,
		"negative_duration.yaml":             `testdata/bad/negative_duration.yaml:5: load.warmup: must not be negative, got -1s`,
		"not_a_mapping.yaml":                 `testdata/bad/not_a_mapping.yaml:1: a workload must be a mapping with keys name, target, dataset, fields, insert, indexes, search, load, goals, pricing, tenancy; got a list`,
		"nprobe_above_nlist.yaml":            `testdata/bad/nprobe_above_nlist.yaml:6: indexes[0].search.nprobe: 32 is out of range (Milvus allows 1 ≤ nprobe ≤ nlist (16))`,
		"nq_above_queries.yaml":              `testdata/bad/nq_above_queries.yaml:4: search.nq[1]: 50 is larger than dataset.queries (10)`,
		"nq_range.yaml":                      `testdata/bad/nq_range.yaml:4: search.nq[0]: 0 is out of range (Milvus allows 1..16384)`,
		"open_without_rate.yaml":             `testdata/bad/open_without_rate.yaml:4: load.rate: is required for load model open (requests/s; a number or a list)`,
		"output_field_unknown.yaml":          `testdata/bad/output_field_unknown.yaml:5: search.output_fields[1]: "embedding" is not a field of milvbench's collections (allowed: id, vec, label, category)`,
		"params_not_mapping.yaml":            `testdata/bad/params_not_mapping.yaml:5: indexes[0].build: must be a mapping of parameter names to a value or a list of values, got a list`,
		"parquet_without_path.yaml":          `testdata/bad/parquet_without_path.yaml:2: dataset.path: source parquet needs path: the directory holding the files`,
		"pq_m_not_divisor.yaml":              `testdata/bad/pq_m_not_divisor.yaml:5: indexes[0].build: m=16 must divide the vector dimension 100 (allowed m: 1, 2, 4, 5, 10, 20, 25, 50, 100)`,
		"pq_missing_m.yaml":                  `testdata/bad/pq_missing_m.yaml:4: indexes[0].build.m: is required for IVF_PQ`,
		"preload_above_size.yaml":            `testdata/bad/preload_above_size.yaml:2: dataset.preload: 5000 rows is more than dataset.size (1000)`,
		"preload_in_closed.yaml":             `testdata/bad/preload_in_closed.yaml:2: dataset.preload: only applies to load models mixed and ingest (the others load every row before measuring)`,
		"preload_share.yaml":                 `testdata/bad/preload_share.yaml:2: dataset.preload: 2.5 is not allowed (a share of rows 0 < preload ≤ 1, or a whole row count)`,
		"pricing_bad_dim.yaml":               `testdata/bad/pricing_bad_dim.yaml:7: pricing.cu_types.performance.vectors_per_cu.big: "big" is not a vector dimension (a whole number 2..32768)`,
		"pricing_missing_file.yaml":          `testdata/bad/pricing_missing_file.yaml:4: pricing: cannot read pricing file: open testdata/bad/no-such-prices.yaml: no such file or directory`,
		"pricing_negative_price.yaml":        `testdata/bad/pricing_negative_price.yaml:7: pricing.plans.standard.cu_hour.performance: -0.1 is out of range (0 < value ≤ 1000000)`,
		"pricing_unknown_plan.yaml":          `testdata/bad/pricing_unknown_plan.yaml:6: pricing.plans.premium: unknown key "premium" (allowed: business_critical, enterprise, standard)`,
		"quoted_number_param.yaml":           `testdata/bad/quoted_number_param.yaml:5: indexes[0].search.ef: must be a whole number, got the string "64" (write numbers without quotes)`,
		"rate_in_closed.yaml":                `testdata/bad/rate_in_closed.yaml:6: load.rate: does not apply to load model closed (it uses: model, concurrency, duration, interval, on_error, repeat, think_time, warmup)`,
		"rate_not_number.yaml":               `testdata/bad/rate_not_number.yaml:6: load.rate: must be a number, got "fast"`,
		"rate_range.yaml":                    `testdata/bad/rate_range.yaml:6: load.rate[1]: 0 is out of range (requests/s, 0 < rate ≤ 10000000)`,
		"recall_goal_range.yaml":             `testdata/bad/recall_goal_range.yaml:4: goals.recall: 95 is out of range (allowed 0..1)`,
		"repeat_range.yaml":                  `testdata/bad/repeat_range.yaml:5: load.repeat: 101 is out of range (allowed 1..100)`,
		"seed_not_integer.yaml":              `testdata/bad/seed_not_integer.yaml:2: dataset.seed: must be a whole number, got "1.5"`,
		"selectivity_range.yaml":             `testdata/bad/selectivity_range.yaml:5: search.selectivity[1]: 1.5 is out of range (a fraction of rows, 0 < selectivity ≤ 1; 1 means no filter)`,
		"selectivity_without_labels.yaml":    `testdata/bad/selectivity_without_labels.yaml:5: search.selectivity[1]: 0.1 needs labels to filter on: set dataset.labels to int or category`,
		"size_overflow.yaml":                 `testdata/bad/size_overflow.yaml:2: dataset.size: 99999999999 is out of range (a whole number from -2147483648 to 2147483647)`,
		"size_range.yaml":                    `testdata/bad/size_range.yaml:2: dataset.size: 0 is out of range (allowed 1..1000000000)`,
		"sweep_too_large.yaml":               `testdata/bad/sweep_too_large.yaml:4: indexes[0]: with this index the sweeps expand to 4000000 trials, more than the 100000 allowed: sweep fewer values or split the workload`,
		"synthetic_with_base_file.yaml":      `testdata/bad/synthetic_with_base_file.yaml:5: dataset.base_file: only applies to file sources (fvecs, bvecs, npy, parquet, dir, hdf5)`,
		"tab_indent.yaml":                    `testdata/bad/tab_indent.yaml:3: invalid YAML: found character that cannot start any token`,
		"target_ca_file_plaintext.yaml":      `testdata/bad/target_ca_file_plaintext.yaml:5: target.ca_file: applies to TLS connections only: use an https:// uri (uri is "http://127.0.0.1:19530")`,
		"target_collection_name.yaml":        `testdata/bad/target_collection_name.yaml:5: target.collection: "9lives" is not a valid collection name: a letter then up to 63 letters, digits or _`,
		"target_connections_range.yaml":      `testdata/bad/target_connections_range.yaml:5: target.connections: 1000 is out of range (allowed 0..256; 0 sizes the pool from the plan: its highest concurrency, at most 4)`,
		"target_consistency.yaml":            `testdata/bad/target_consistency.yaml:5: target.consistency: "eventual" is not allowed (allowed: strong, bounded, session, eventually)`,
		"target_missing_uri.yaml":            `testdata/bad/target_missing_uri.yaml:2: target.uri: is missing: set target.uri or the MILVUS_URI (or ZILLIZ_URI) environment variable, e.g. http://127.0.0.1:19530`,
		"target_not_mapping.yaml":            `testdata/bad/target_not_mapping.yaml:2: target: must be a mapping of keys (build_timeout, ca_file, collection, connect_timeout, connections, consistency, db, kind, metrics_url, request_timeout, server_name, token, token_file, uri), got "milvus"`,
		"target_server_name_bad.yaml":        `testdata/bad/target_server_name_bad.yaml:5: target.server_name: "milvus internal/" is not a host name (letters, digits, '-' and '.')`,
		"target_server_name_plaintext.yaml":  `testdata/bad/target_server_name_plaintext.yaml:5: target.server_name: applies to TLS connections only: use an https:// uri (uri is "127.0.0.1:19530")`,
		"target_token_and_file.yaml":         `testdata/bad/target_token_and_file.yaml:6: target.token_file: give either token or token_file, not both`,
		"target_unknown_kind.yaml":           `testdata/bad/target_unknown_kind.yaml:3: target.kind: "zilliz" is not allowed (allowed: embedded, milvus)`,
		"target_uri_credentials.yaml":        `testdata/bad/target_uri_credentials.yaml:4: target.uri: "https://root:Milvus@127.0.0.1:19530" must not carry credentials; use target.token, token_file or MILVUS_TOKEN`,
		"target_uri_for_embedded.yaml":       `testdata/bad/target_uri_for_embedded.yaml:4: target.uri: only applies to kind: milvus`,
		"target_uri_scheme.yaml":             `testdata/bad/target_uri_scheme.yaml:4: target.uri: "grpc://127.0.0.1:19530" has scheme grpc (allowed: http for plaintext, https for TLS)`,
		"think_time_in_open.yaml":            `testdata/bad/think_time_in_open.yaml:7: load.think_time: does not apply to load model open (it uses: model, arrivals, duration, interval, max_in_flight, on_error, rate, repeat, warmup)`,
		"topk_above_size.yaml":               `testdata/bad/topk_above_size.yaml:4: search.topk[0]: 100 is larger than dataset.size (50)`,
		"topk_too_large.yaml":                `testdata/bad/topk_too_large.yaml:4: search.topk[0]: 20000 is out of range (Milvus allows 1..16384)`,
		"unknown_index_type.yaml":            `testdata/bad/unknown_index_type.yaml:4: indexes[0].type: "HNSW_SQ9" is not allowed (allowed: AUTOINDEX, BIN_FLAT, BIN_IVF_FLAT, DISKANN, FLAT, HNSW, HNSW_PQ, HNSW_PRQ, HNSW_SQ, IVF_FLAT, IVF_PQ, IVF_RABITQ, IVF_SQ8, SCANN, SPARSE_INVERTED_INDEX)`,
		"unknown_key.yaml":                   `testdata/bad/unknown_key.yaml:4: loads: unknown key "loads" (allowed: cluster, dataset, fields, goals, indexes, insert, load, name, pricing, search, target, tenancy)`,
		"unknown_load_model.yaml":            `testdata/bad/unknown_load_model.yaml:5: load.model: "burst" is not allowed (allowed: closed, open, capacity, mixed, ingest)`,
		"unknown_nested_key.yaml":            `testdata/bad/unknown_nested_key.yaml:4: dataset.dimension: unknown key "dimension" (allowed: base_file, categories, clusters, dim, distribution, labels, metric, name, path, payload, payload_file, preload, queries, query_file, seed, size, source, truth_file, vector_type)`,
		"collection_embedded.yaml":           `testdata/bad/collection_embedded.yaml:3: dataset.source: collection measures an existing collection on a server: it needs target.kind: milvus (this target is embedded)`,
		"collection_unnamed.yaml":            `testdata/bad/collection_unnamed.yaml:2: target.collection: names the existing collection to measure (dataset.source: collection)`,
		"collection_size.yaml":               `testdata/bad/collection_size.yaml:5: dataset.size: does not apply to source: collection (the collection's rows are the base, its index says the metric; only query_file, queries and seed apply)`,
		"collection_writes.yaml":             `testdata/bad/collection_writes.yaml:6: load.model: mixed writes rows, and dataset.source: collection is read-only (allowed: closed, open, capacity)`,
		"collection_build.yaml":              `testdata/bad/collection_build.yaml:7: indexes[0].build: the index is the collection's: build parameters cannot be set or swept on an attached collection (search parameters can)`,
		"unknown_source.yaml":                `testdata/bad/unknown_source.yaml:3: dataset.source: "lance" is not allowed (allowed: synthetic, fvecs, bvecs, npy, parquet, dir, collection, hdf5)`,
		"field_bm25_param_on_sparse.yaml":    `testdata/bad/field_bm25_param_on_sparse.yaml:6: indexes[0].build.bm25_k1: applies to an index on a text field's BM25 output; field "sp" is sparse`,
		"field_bm25_with_mixed.yaml":         `testdata/bad/field_bm25_with_mixed.yaml:7: load.model: mixed measures dense collections only; kind bm25 runs under closed, open or capacity`,
		"field_dense_index_on_sparse.yaml":   `testdata/bad/field_dense_index_on_sparse.yaml:6: indexes[0].type: HNSW indexes dense vectors; field "sp" is sparse (use SPARSE_INVERTED_INDEX)`,
		"field_drop_ratio_range.yaml":        `testdata/bad/field_drop_ratio_range.yaml:6: indexes[0].search.drop_ratio_search: 1 is out of range (Milvus allows 0 ≤ drop_ratio_search < 1)`,
		"field_sparse_index_on_dense.yaml":   `testdata/bad/field_sparse_index_on_dense.yaml:4: indexes[0].type: SPARSE_INVERTED_INDEX indexes sparse and text fields; declare them under fields`,
		"field_sparse_no_query_file.yaml":    `testdata/bad/field_sparse_no_query_file.yaml:3: fields[0].data.query_file: is missing: sparse queries come from query_file`,
		"field_unknown_analyzer.yaml":        `testdata/bad/field_unknown_analyzer.yaml:4: fields[0].analyzer: "english" is not a known analyzer (allowed: standard, lite-standard)`,
		"hybrid_one_request.yaml":            `testdata/bad/hybrid_one_request.yaml:10: search.hybrid.requests: has 1 sub-request; a hybrid search fuses at least 2 (use kind ann for one field)`,
		"hybrid_unknown_field.yaml":          `testdata/bad/hybrid_unknown_field.yaml:12: search.hybrid.requests[1].field: "title" is not a field of the collection (fields: vector, text)`,
		"hybrid_weights_mismatch.yaml":       `testdata/bad/hybrid_weights_mismatch.yaml:14: search.hybrid.weights[1]: has 3 weights for 2 sub-requests (one weight per sub-request, in order)`,
		"field_dense_without_data.yaml":      `testdata/bad/field_dense_without_data.yaml:3: fields[1].data: is missing: a further dense field reads its vectors from data (source: synthetic with dim, or fvecs/npy files)`,
		"field_dense_sparse_keys.yaml":       `testdata/bad/field_dense_sparse_keys.yaml:5: fields[1].data.nnz: applies to sparse or text fields, not to dense field "img"`,
		"field_ann_two_dense.yaml":           `testdata/bad/field_ann_two_dense.yaml:3: fields: has 2 dense fields: set search.field to the one kind ann searches`,
		"wrong_type.yaml":                    `testdata/bad/wrong_type.yaml:3: dataset.size: must be a whole number, got "lots"`,
		"zero_concurrency.yaml":              `testdata/bad/zero_concurrency.yaml:5: load.concurrency[1]: 0 is out of range (allowed 1..4096)`,
	}
	maps.Copy(want, clusterMalformed)
	maps.Copy(want, quantizedMalformed)
	maps.Copy(want, binaryMalformed)
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Fatalf("testdata/bad has %d files, the table %d: keep them in step", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.ToSlash(f), data, noEnv)
			if err == nil {
				t.Fatal("parsed without error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if got := err.Error(); got != want[filepath.Base(f)] {
				t.Errorf("error\n got: %s\nwant: %s", got, want[filepath.Base(f)])
			}
		})
	}
}

func TestExamplesValidate(t *testing.T) {
	names := Examples()
	if len(names) == 0 {
		t.Fatal("no embedded examples")
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			spec, err := LoadArg(ExamplePrefix+n, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if NewPlan(spec).Trials() == 0 {
				t.Error("example plans no trials")
			}
		})
	}
	if _, err := LoadArg(ExamplePrefix+"nope", noEnv); err == nil || !strings.Contains(err.Error(), "quickstart") {
		t.Errorf("unknown example error should list the examples, got %v", err)
	}
}

func TestEnvExpansion(t *testing.T) {
	env := func(n string) (string, bool) {
		v, ok := map[string]string{"SIZE": "2000", "EF": "64"}[n]
		return v, ok
	}
	src := `name: env_${SIZE}
dataset: {size: "${SIZE}", dim: 8}
indexes:
  - type: HNSW
    search: {ef: [32, "${EF}"]}
`
	spec, err := Parse("w.yaml", []byte(src), env)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "env_2000" || spec.Dataset.Size != 2000 {
		t.Errorf("name %q size %d", spec.Name, spec.Dataset.Size)
	}
	if got := spec.Indexes[0].Search["ef"]; !reflect.DeepEqual(got, []Value{int64(32), int64(64)}) {
		t.Errorf("ef values %#v", got)
	}
	// A quoted literal is a string, and Milvus wants a number.
	_, err = Parse("w.yaml", []byte(strings.Replace(src, `"${EF}"`, `"64"`, 1)), env)
	if err == nil || !strings.Contains(err.Error(), `got the string "64"`) {
		t.Errorf("quoted ef: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	spec, err := Parse("w.yaml", []byte("name: d\ndataset: {size: 5000, dim: 16}\nindexes: [{type: HNSW}]\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Target.Kind != TargetEmbedded || spec.Dataset.Metric != L2 || spec.Dataset.Distribution != DistClustered ||
		spec.Dataset.Clusters != 10 || spec.Load.Duration.D() != 10*time.Second || spec.Search.TopK[0] != 10 {
		t.Errorf("defaults not applied: %+v", spec)
	}
	b := NewPlan(spec).Builds[0]
	if b.Index.Build.Int("M", 0) != 30 || b.Index.Build.Int("efConstruction", 0) != 360 {
		t.Errorf("HNSW build defaults %v", b.Index.Build)
	}
	if b.Points[0].Params.Int("ef", 0) != 16 {
		t.Errorf("HNSW ef default %v", b.Points[0].Params)
	}
}

// TestHDF5MetricDefault: an HDF5 dataset's metric is left unset (the
// file's distance attribute names it) unless the workload sets one; other
// file sources still default to L2.
func TestHDF5MetricDefault(t *testing.T) {
	for _, tt := range []struct{ dataset, want string }{
		{"{source: hdf5, base_file: glove-100-angular.hdf5}", ""},
		{"{source: hdf5, base_file: glove-100-angular.hdf5, metric: COSINE}", "COSINE"},
		{"{source: hdf5, path: data/glove-100-angular.hdf5}", ""},
		{"{source: dir, path: data}", "L2"},
	} {
		spec, err := Parse("w.yaml", []byte("name: d\ndataset: "+tt.dataset+"\nindexes: [{type: FLAT}]\n"), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if string(spec.Dataset.Metric) != tt.want {
			t.Errorf("%s: metric %q, want %q", tt.dataset, spec.Dataset.Metric, tt.want)
		}
	}
}

func TestPlanExpansion(t *testing.T) {
	src := `name: p
dataset: {size: 10000, dim: 16}
indexes:
  - type: FLAT
  - type: IVF_FLAT
    build: {nlist: [64, 128]}
    search: {nprobe: [4, 16, 64]}
search: {topk: [10, 100], nq: [1, 8]}
load: {concurrency: [1, 4]}
`
	spec, err := Parse("p.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(spec)
	tests := []struct {
		build  string
		trials int
	}{
		{"FLAT", 2 * 2 * 2},                   // topk × nq × concurrency
		{"IVF_FLAT(nlist=64)", 3 * 2 * 2 * 2}, // nprobe × topk × nq × conc
		{"IVF_FLAT(nlist=128)", 3 * 2 * 2 * 2},
	}
	if len(p.Builds) != len(tests) {
		t.Fatalf("%d builds, want %d (one per index config)", len(p.Builds), len(tests))
	}
	for i, tt := range tests {
		if got := p.Builds[i].Index.String(); got != tt.build {
			t.Errorf("build %d = %s, want %s", i, got, tt.build)
		}
		if got := len(p.Builds[i].Points); got != tt.trials {
			t.Errorf("build %s: %d trials, want %d", tt.build, got, tt.trials)
		}
	}
	if p.Trials() != 8+24+24 {
		t.Errorf("Trials() = %d", p.Trials())
	}
	// Order: topk outermost, then search params, nq, concurrency innermost.
	first := p.Builds[1].Points[:3]
	want := []SearchPoint{
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 1, Concurrency: 1, Selectivity: 1, Repeat: 1},
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 1, Concurrency: 4, Selectivity: 1, Repeat: 1},
		{Params: Params{"nprobe": int64(4)}, TopK: 10, NQ: 8, Concurrency: 1, Selectivity: 1, Repeat: 1},
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first points\n got %+v\nwant %+v", first, want)
	}
	if got := p.MeasureTime(); got != 56*10*time.Second {
		t.Errorf("MeasureTime = %s", got)
	}
	if p.MaxTopK() != 100 {
		t.Errorf("MaxTopK = %d", p.MaxTopK())
	}
}

// TestLoadModels checks each load model's plan levels, defaults, and the
// one-line errors for keys that belong to another model.
func TestLoadModels(t *testing.T) {
	base := "name: w\ndataset: {size: 1000, dim: 8}\nindexes:\n  - type: FLAT\n"
	tests := []struct {
		name   string
		load   string
		goals  string
		levels []string // SearchPoint.Level of each point of the first build
		err    string
	}{
		{name: "closed default", load: "", levels: []string{"c=1"}},
		{name: "closed repeat", load: "load: {concurrency: [1, 2], repeat: 2}",
			levels: []string{"c=1", "c=1 repeat=2", "c=2", "c=2 repeat=2"}},
		{name: "open", load: "load: {model: open, rate: [100, 1000]}", levels: []string{"rate=100/s", "rate=1000/s"}},
		{name: "capacity", load: "load: {model: capacity}", goals: "goals: {p99: 5ms}", levels: []string{""}},
		{name: "mixed open", load: "load: {model: mixed, rate: 50, insert_rate: [10, 20]}",
			levels: []string{"rate=50/s insert=10 rows/s batch=100", "rate=50/s insert=20 rows/s batch=100"}},
		{name: "mixed closed", load: "load: {model: mixed, concurrency: 2, insert_rate: 10, insert_batch: 5}",
			levels: []string{"c=2 insert=10 rows/s batch=5"}},
		{name: "ingest", load: "load: {model: ingest, insert_batch: [1, 50], insert_concurrency: [1, 2]}",
			levels: []string{"batch=1 inserters=1", "batch=1 inserters=2", "batch=50 inserters=1", "batch=50 inserters=2"}},
		{name: "ingest without rows", load: "load: {model: ingest, insert_batch: [10, 300], insert_concurrency: 1}",
			err: "w.yaml:2: dataset.size: 1000 rows with preload 0.5 leave 500 rows to insert for 2 ingest trials (250 each), fewer than one call of 300 rows per inserter (insert_batch 300 × insert_concurrency 1); raise dataset.size, lower dataset.preload or sweep fewer levels"},
		{name: "open without rate", load: "load: {model: open}", err: "w.yaml:5: load.rate: is required for load model open (requests/s; a number or a list)"},
		{name: "rate in closed", load: "load: {model: closed, rate: 5}",
			err: "w.yaml:5: load.rate: does not apply to load model closed (it uses: model, concurrency, duration, interval, on_error, repeat, think_time, warmup)"},
		{name: "concurrency in open", load: "load: {model: open, rate: 5, concurrency: 2}",
			err: "w.yaml:5: load.concurrency: does not apply to load model open (it uses: model, arrivals, duration, interval, max_in_flight, on_error, rate, repeat, warmup)"},
		{name: "capacity without latency goal", load: "load: {model: capacity}",
			err: "w.yaml:5: load.model: capacity needs a latency goal to search for: set goals.p99 (or goals.p95)"},
		{name: "bad precision", load: "load: {model: capacity, precision: 1.5}", goals: "goals: {p99: 5ms}",
			err: "w.yaml:5: load.precision: 1.5 is out of range (a relative bracket width, 0 < precision < 1)"},
		{name: "mixed without insert rate", load: "load: {model: mixed, rate: 5}",
			err: "w.yaml:5: load.insert_rate: is required for load model mixed (rows/s; a number or a list)"},
		{name: "bad arrivals", load: "load: {model: open, rate: 5, arrivals: burst}",
			err: `w.yaml:5: load.arrivals: "burst" is not allowed (allowed: constant, poisson)`},
		{name: "interval beyond duration", load: "load: {duration: 2s, interval: 5s}",
			err: "w.yaml:5: load.interval: 5s is out of range (allowed 10ms .. the trial duration 2s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base + tt.load + "\n" + tt.goals + "\n"
			s, err := Parse("w.yaml", []byte(src), func(string) (string, bool) { return "", false })
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error\n got: %v\nwant: %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pt := range NewPlan(s).Builds[0].Points {
				got = append(got, pt.Level())
			}
			if !reflect.DeepEqual(got, tt.levels) {
				t.Errorf("levels\n got %q\nwant %q", got, tt.levels)
			}
		})
	}
}

// TestTrialCount checks that the plan-size limit counts exactly the trials
// NewPlan makes, for every load model.
func TestTrialCount(t *testing.T) {
	base := "name: w\ndataset: {size: 1000, dim: 8, labels: int}\nindexes:\n  - type: FLAT\n  - type: HNSW\n    build: {M: [8, 16]}\n    search: {ef: [20, 32, 64]}\nsearch: {topk: [10, 20], nq: [1, 2], selectivity: [1, 0.5]}\n"
	loads := []string{
		"load: {concurrency: [1, 2, 4], repeat: 2}",
		"load: {model: open, rate: [10, 20]}",
		"load: {model: capacity}\ngoals: {p99: 5ms}",
		"load: {model: mixed, rate: [5, 6], insert_rate: [1, 2], insert_batch: [5, 10, 20]}",
		"load: {model: mixed, concurrency: [1, 2, 3], insert_rate: 1}",
		"load: {model: ingest, insert_batch: [1, 2], insert_concurrency: [1, 2], repeat: 2}",
	}
	for _, l := range loads {
		spec, err := Parse("w.yaml", []byte(base+l+"\n"), noEnv)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		want := NewPlan(spec).Trials()
		got := 0.0
		for _, ix := range spec.Indexes {
			got += indexTrials(spec, ix)
		}
		if got != float64(want) {
			t.Errorf("%s: counted %g trials, the plan has %d", l, got, want)
		}
	}
}

// TestCredentialSources checks where a token or API key is recorded as
// coming from, and that only a literal credential in the file warns (the
// warning names the field and line, never the value).
func TestCredentialSources(t *testing.T) {
	env := func(n string) (string, bool) {
		v, ok := map[string]string{"MY_TOKEN": "user:pw-secret", "MILVUS_URI": "http://127.0.0.1:19530", "MILVUS_TOKEN": "env-secret"}[n]
		return v, ok
	}
	tests := []struct {
		name, section string
		token, source string
		keySource     string
		warning       string
	}{
		{name: "from MILVUS_TOKEN", section: "target: {kind: milvus}\n", token: "env-secret", source: "env MILVUS_TOKEN"},
		{name: "reference", section: "target: {kind: milvus, token: '${MY_TOKEN}'}\n", token: "user:pw-secret", source: "env MY_TOKEN (target.token)"},
		{name: "literal", section: "target:\n  kind: milvus\n  token: user:pw-secret\n", token: "user:pw-secret", source: "target.token (literal in the workload file)",
			warning: "w.yaml:7: target.token is written literally in the workload file, where every copy of the file shows it; use token: ${MILVUS_TOKEN}, target.token_file, or the MILVUS_TOKEN environment variable"},
		{name: "reference inside text", section: "target: {kind: milvus, token: 'root:${MY_TOKEN}'}\n", token: "root:user:pw-secret", source: "target.token (literal in the workload file)",
			warning: "w.yaml:5: target.token is written literally"},
		{name: "token file", section: "target: {kind: milvus, token_file: ~/t}\n", source: "file ~/t"},
		{name: "literal api key", section: "cluster: {cluster_id: in01-abc, api_key: zc-secret}\n", source: "env MILVUS_TOKEN", token: "env-secret",
			keySource: "cluster.api_key (literal in the workload file)", warning: "w.yaml:6: cluster.api_key is written literally in the workload file, where every copy of the file shows it; use api_key: ${ZILLIZ_API_KEY}, cluster.api_key_file, or the ZILLIZ_API_KEY environment variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "name: creds\ndataset: {size: 100, dim: 8}\nindexes: [{type: FLAT}]\nload: {duration: 1s}\n"
			if !strings.HasPrefix(tt.section, "target") {
				src += "target: {kind: milvus}\n"
			}
			src += tt.section
			spec, err := Parse("w.yaml", []byte(src), env)
			if err != nil {
				t.Fatal(err)
			}
			if spec.Target.Token != tt.token || spec.Target.TokenSource != tt.source || spec.Cluster.APIKeySrc != tt.keySource {
				t.Errorf("token %q from %q, key from %q; want %q from %q, key from %q",
					spec.Target.Token, spec.Target.TokenSource, spec.Cluster.APIKeySrc, tt.token, tt.source, tt.keySource)
			}
			if got := strings.Join(spec.Warnings, "\n"); (tt.warning == "") != (got == "") || !strings.HasPrefix(got, tt.warning) {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
			for _, w := range spec.Warnings {
				if strings.Contains(w, "secret") {
					t.Errorf("the warning shows the credential: %s", w)
				}
			}
		})
	}
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/tester")
	for in, want := range map[string]string{
		"~/a/token": "/home/tester/a/token", "~": "~", "~user/x": "~user/x", "rel/~/x": "rel/~/x", "/abs": "/abs", "": "",
	} {
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
}
