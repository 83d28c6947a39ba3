package doclinks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRepositoryDocs checks the real README.md and docs/*.md: it fails on
// any broken relative link or anchor, a link leaving the repository, and a
// docs page README.md does not link.
func TestRepositoryDocs(t *testing.T) {
	root := repoRoot(t)
	res, err := Check(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) < 2 {
		t.Fatalf("checked only %v; want README.md and the docs/*.md pages", res.Pages)
	}
	for _, p := range res.Problems {
		t.Error(p)
	}
	t.Logf("%d pages, %d relative links checked: %s", len(res.Pages), res.Links, strings.Join(res.Pages, " "))
}

// repoRoot walks up from the working directory to the one holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// TestCheck runs the checker on small in-memory trees, so each kind of
// breakage is shown to fail.
func TestCheck(t *testing.T) {
	const goodDoc = "# Guide\n\nOpening paragraph.\n\n## Load models\n\n## `milvbench tune`\n\n## Notes\n\n## Notes\n\nBack to the [README](../README.md).\n"
	cases := []struct {
		name   string
		readme string
		docs   map[string]string // docs/NAME → content; default {guide.md: goodDoc}
		want   []string          // substrings of the problems, in order; none for a clean tree
	}{
		{
			name: "good links",
			readme: "# Top\n\nSee [the guide](docs/guide.md), [load models](docs/guide.md#load-models),\n" +
				"[tune](docs/guide.md#milvbench-tune), [second notes](docs/guide.md#notes-1),\n" +
				"[this page](#top), [a folder](docs/), [a split\nlink text](docs/guide.md#notes) and [site](https://example.com/x.md#nope).\n\n" +
				"```\n[in a fence](docs/missing.md)\n```\n\nCode: `[x](docs/missing.md)` stays code.\n",
		},
		{
			name:   "missing file",
			readme: "[guide](docs/guide.md) and [gone](docs/gone.md)\n",
			want:   []string{"README.md:1: (docs/gone.md): no such file: docs/gone.md"},
		},
		{
			name:   "missing anchor",
			readme: "[guide](docs/guide.md)\n\n[x](docs/guide.md#load-model)\n",
			want:   []string{"README.md:3: (docs/guide.md#load-model): docs/guide.md has no heading with anchor #load-model"},
		},
		{
			name:   "missing anchor in the same page",
			readme: "# Top\n\n[guide](docs/guide.md) [here](#bottom)\n",
			want:   []string{"README.md:3: (#bottom): README.md has no heading with anchor #bottom"},
		},
		{
			name:   "link outside the repository",
			readme: "[guide](docs/guide.md)\n",
			docs:   map[string]string{"guide.md": "# Guide\n\n[design](../../DESIGN.md)\n"},
			want:   []string{"docs/guide.md:3: (../../DESIGN.md): leaves the repository root"},
		},
		{
			name:   "link to ../shared from README",
			readme: "[guide](docs/guide.md) [shared](../shared/DESIGN.md)\n",
			want:   []string{"README.md:1: (../shared/DESIGN.md): links to ../shared"},
		},
		{
			name:   "link to ../shared from a docs page",
			readme: "[guide](docs/guide.md)\n",
			docs:   map[string]string{"guide.md": "# Guide\n\n[shared](../shared/notes.md)\n"},
			want:   []string{"docs/guide.md:3: (../shared/notes.md): links to ../shared"},
		},
		{
			name:   "absolute paths",
			readme: "[guide](docs/guide.md) [abs](/work/shared/DESIGN.md) [file](file:///etc/passwd)\n",
			want: []string{
				"README.md:1: (/work/shared/DESIGN.md): absolute path",
				"README.md:1: (file:///etc/passwd): a file: link points outside the repository",
			},
		},
		{
			name:   "unlinked page",
			readme: "[guide](docs/guide.md)\n",
			docs:   map[string]string{"guide.md": goodDoc, "orphan.md": "# Orphan\n"},
			want:   []string{"docs/orphan.md: not linked from README.md"},
		},
		{
			name:   "a link from a docs page does not count as linked from README",
			readme: "# Top\n",
			docs:   map[string]string{"guide.md": "# Guide\n\n[self](guide.md)\n"},
			want:   []string{"docs/guide.md: not linked from README.md"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"README.md": {Data: []byte(tc.readme)}}
			docs := tc.docs
			if docs == nil {
				docs = map[string]string{"guide.md": goodDoc}
			}
			for name, content := range docs {
				fsys["docs/"+name] = &fstest.MapFile{Data: []byte(content)}
			}
			res, err := Check(fsys)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems:\n  %s\nwant %d containing:\n  %s", strings.Join(got, "\n  "), len(tc.want), strings.Join(tc.want, "\n  "))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestCheckWithoutReadme(t *testing.T) {
	if _, err := Check(fstest.MapFS{"docs/a.md": {Data: []byte("# A\n")}}); err == nil {
		t.Fatal("no error for a tree without README.md")
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Workload reference (v1)", "workload-reference-v1"},
		{"`milvbench recommend DIR`", "milvbench-recommend-dir"},
		{"Scale-out: several generators", "scale-out-several-generators"},
		{"mixed: searches while writing", "mixed-searches-while-writing"},
		{"Goals, tuning and recommendations", "goals-tuning-and-recommendations"},
		{"snake_case and Ünïcode", "snake_case-and-ünïcode"},
		{"What's new?", "whats-new"},
	} {
		if got := Slug(tc.heading); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
}

func TestAnchors(t *testing.T) {
	md := "# Title #\n\n```sh\n# not a heading\n```\n\n## Notes\n\n#nospace\n\n    ## indented four\n\n### Notes\n\n####### seven\n"
	got := strings.Join(Anchors(md), " ")
	if want := "title notes notes-1"; got != want {
		t.Errorf("Anchors = %q, want %q", got, want)
	}
}
