package workloads

import (
	"strings"
	"testing"
)

// TestRangeGroupPlan: kinds range and group sweep their parameters on the
// dense field's builds, beside ann when it is listed too.
func TestRangeGroupPlan(t *testing.T) {
	const head = `name: rg
dataset:
  size: 2000
  dim: 8
  queries: 20
  metric: IP
  payload: [{name: doc, type: int64, values: 100, correlation: correlated}]
indexes: [{type: HNSW, search: {ef: [16, 32]}}]
`
	for _, tc := range []struct {
		name, search string
		kinds        []string // per point
		params       []string // range or group per point
	}{
		{"range alone", `search: {kind: range, range: {radius: [0.1, 0.2], range_filter: 0.9}}`,
			[]string{"range", "range", "range", "range"},
			[]string{"radius=0.1,range_filter=0.9", "radius=0.2,range_filter=0.9", "radius=0.1,range_filter=0.9", "radius=0.2,range_filter=0.9"}},
		{"ann and group", `search: {kind: [ann, group], group: {field: doc, group_size: [1, 3], strict_group_size: true}}`,
			[]string{"ann", "group", "group", "ann", "group", "group"},
			[]string{"", "doc:1:strict", "doc:3:strict", "", "doc:1:strict", "doc:3:strict"}},
		{"range without range_filter", `search: {kind: range, range: {radius: 0.5}}`,
			[]string{"range", "range"}, []string{"radius=0.5", "radius=0.5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := Parse("rg.yaml", []byte(head+tc.search+"\n"), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			pts := NewPlan(spec).Builds[0].Points
			if len(pts) != len(tc.kinds) {
				t.Fatalf("%d points, want %d", len(pts), len(tc.kinds))
			}
			for i, pt := range pts {
				got := ""
				switch {
				case pt.Range != nil:
					got = pt.Range.String()
				case pt.Group != nil:
					got = pt.Group.String()
				}
				if pt.SearchKind() != tc.kinds[i] || got != tc.params[i] {
					t.Errorf("point %d: %s %s, want %s %s", i, pt.SearchKind(), got, tc.kinds[i], tc.params[i])
				}
			}
		})
	}
}

// TestRangeGroupErrors: bad range and group input is one line naming the
// file, the line and the field.
func TestRangeGroupErrors(t *testing.T) {
	for _, tc := range []struct {
		name, metric, search, want string
	}{
		{"L2 range_filter above radius", "L2", "search:\n  kind: range\n  range: {radius: 1.0, range_filter: 2.0}\n",
			"rg.yaml:13: search.range.range_filter[0]: 2 is not below radius 1: for L2"},
		{"IP range_filter below radius", "IP", "search:\n  kind: range\n  range:\n    radius: 0.5\n    range_filter: [0.9, 0.2]\n",
			"rg.yaml:15: search.range.range_filter[1]: 0.2 is not above radius 0.5: for IP"},
		{"range missing", "IP", "search: {kind: range}\n", "rg.yaml:11: search.range: is missing"},
		{"range without kind", "IP", "search:\n  range: {radius: 1}\n", "search.range: applies to kind range only"},
		{"group on a missing field", "IP", "search:\n  kind: group\n  group: {field: nope}\n",
			`rg.yaml:13: search.group.field: "nope" is not a payload field (dataset.payload: doc, price)`},
		{"group on a double", "IP", "search:\n  kind: group\n  group: {field: price}\n", `search.group.field: "price" is double`},
		{"group size", "IP", "search:\n  kind: group\n  group: {field: doc, group_size: [0]}\n", "search.group.group_size[0]: 0 is out of range"},
		{"strict not a bool", "IP", "search:\n  kind: group\n  group: {field: doc, strict_group_size: yes}\n", "must be true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := "name: rg\ndataset:\n  size: 2000\n  dim: 8\n  queries: 20\n  metric: " + tc.metric + `
  payload:
    - {name: doc, type: int64, values: 100}
    - {name: price, type: double, min: 0, max: 10}
indexes: [{type: FLAT}]
` + tc.search
			_, err := Parse("rg.yaml", []byte(y), noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}
