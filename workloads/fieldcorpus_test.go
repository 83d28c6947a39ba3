package workloads

import (
	"strings"
	"testing"
)

// TestFieldCorpusName: a text field's data.name (a fetched corpus) decodes
// and validates, and every misuse is one line naming file, line and field.
func TestFieldCorpusName(t *testing.T) {
	const head = "name: corpus\ndataset: {size: 1000, queries: 10}\nfields:\n"
	const tail = "indexes: [{type: SPARSE_INVERTED_INDEX}]\nsearch: {kind: bm25}\n"
	cases := []struct {
		name, fields, want string
	}{
		{name: "ok", fields: "  - {name: text, type: text, data: {name: debian-descriptions}}\n"},
		{name: "ok with query_words", fields: "  - name: text\n    type: text\n    data: {name: debian-descriptions, query_words: [2, 5]}\n"},
		{name: "with source", fields: "  - name: text\n    type: text\n    data:\n      name: debian-descriptions\n      source: lines\n",
			want: "c.yaml:8: fields[0].data.source: does not apply with data.name \"debian-descriptions\": the corpus is the lines file `milvbench dataset fetch debian-descriptions` put in the cache, and its queries are drawn from it (query_words)"},
		{name: "with base_file", fields: "  - {name: text, type: text, data: {name: debian-descriptions, base_file: docs.txt}}\n",
			want: "c.yaml:4: fields[0].data.base_file: does not apply with data.name"},
		{name: "with query_file", fields: "  - name: text\n    type: text\n    data:\n      query_file: q.txt\n      name: debian-descriptions\n",
			want: "c.yaml:7: fields[0].data.query_file: does not apply with data.name"},
		{name: "with column", fields: "  - {name: text, type: text, data: {name: debian-descriptions, column: text}}\n",
			want: "c.yaml:4: fields[0].data.column: does not apply with data.name"},
		{name: "with vocabulary", fields: "  - {name: text, type: text, data: {name: debian-descriptions, vocabulary: 100}}\n",
			want: "c.yaml:4: fields[0].data.vocabulary: does not apply with data.name"},
		{name: "bad query_words", fields: "  - name: text\n    type: text\n    data:\n      name: debian-descriptions\n      query_words: [5, 2]\n",
			want: "c.yaml:8: fields[0].data.query_words: must be [min, max] with 1 ≤ min ≤ max, got [5 2]"},
		{name: "bad name", fields: "  - name: text\n    type: text\n    data: {name: ../Debian}\n",
			want: `c.yaml:6: fields[0].data.name: "../Debian" is not a corpus name (lower-case letters, digits, '.', '_' and '-', as milvbench dataset fetch --list shows them)`},
		{name: "on a sparse field", fields: "  - {name: text, type: text, data: {source: synthetic}}\n  - name: sp\n    type: sparse\n    data: {name: debian-descriptions}\n",
			want: `c.yaml:7: fields[1].data.name: names a text corpus; it applies to text fields only (field "sp" is sparse)`},
		{name: "neither name nor source", fields: "  - name: text\n    type: text\n    data: {query_words: [2, 5]}\n",
			want: "c.yaml:6: fields[0].data.source: is missing (required, or name: a text corpus fetched with milvbench dataset fetch)"},
		{name: "name not a string", fields: "  - name: text\n    type: text\n    data: {name: [a]}\n",
			want: "c.yaml:6: fields[0].data.name:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("c.yaml", []byte(head+tc.fields+tail), noEnv)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				f, _ := s.Field("text")
				if f.Data.Name != "debian-descriptions" || f.Data.Source != "" || f.Data.NameLine < 4 {
					t.Errorf("data %+v", f.Data)
				}
				if NewPlan(s).Trials() == 0 {
					t.Error("no trials")
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}
