package expr

import "testing"

// BenchmarkEval: one row through typical filters (ground truth evaluates
// every row of a payload per filter).
func BenchmarkEval(b *testing.B) {
	row := testRow(b)
	for _, s := range []string{
		`i > 3 and f < 10`,
		`i in [1, 5, 9] and s like "it%"`,
		`array_contains(tags, 3)`,
		`array_contains_any(labels, ["x", "é"]) and array_length(tags) > 1`,
		`meta["brand"] == "acme" and meta["obj"]["k"][0] >= 10`,
	} {
		e, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Eval(row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
