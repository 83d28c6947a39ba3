package workloads

import (
	"reflect"
	"testing"
)

// TestPlanRows: the rows a plan preloads and its trials write, per model,
// bounded by the dataset (inserts) and by the preloaded rows the delete
// stream may remove (half of them when upserts take the other half).
func TestPlanRows(t *testing.T) {
	tests := []struct {
		name, load string
		preload    string
		want       RowPlan
	}{
		{"closed loads every row", "{model: closed}", "", RowPlan{Size: 1000, Preload: 1000, Builds: []int{1000, 1000}}},
		{"ingest shares the rest", "{model: ingest, insert_batch: [10, 100]}", "preload: 200",
			RowPlan{Size: 1000, Preload: 200, Inserted: 800, Builds: []int{200, 600}}},
		// 2 s at 150 rows/s in calls of 100: 3 calls, 300 rows per trial.
		{"mixed, deletes capped by the preload", "{model: mixed, concurrency: 1, insert_rate: 150, delete_rate: 100, duration: 2s}", "preload: 250",
			RowPlan{Size: 1000, Preload: 250, Inserted: 600, Wanted: 600, Deleted: 250, Builds: []int{250, 350}}},
		{"mixed, deletes in their half beside upserts", "{model: mixed, concurrency: 1, insert_rate: 150, delete_rate: 100, upsert_rate: 10, duration: 2s}", "preload: 250",
			RowPlan{Size: 1000, Preload: 250, Inserted: 600, Wanted: 600, Deleted: 125, Builds: []int{250, 425}}},
		{"mixed, inserts run out", "{model: mixed, concurrency: 1, insert_rate: 1000, duration: 1s}", "preload: 0.5",
			RowPlan{Size: 1000, Preload: 500, Inserted: 500, Wanted: 2000, Builds: []int{500, 1000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "name: r\ndataset: {size: 1000, dim: 8, queries: 10"
			if tt.preload != "" {
				src += ", " + tt.preload
			}
			src += "}\nindexes: [{type: FLAT}, {type: HNSW}]\nload: " + tt.load + "\n"
			spec, err := Parse("r.yaml", []byte(src), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if got := NewPlan(spec).Rows(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows %+v, want %+v", got, tt.want)
			}
		})
	}
}
