package fetch

import (
	"strings"
	"testing"

	"github.com/milvbench/milvbench/workloads"
)

// TestCatalogue checks every entry carries what the catalogue promises.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalogue() {
		t.Run(e.Name, func(t *testing.T) {
			if seen[e.Name] || !ValidName(e.Name) {
				t.Errorf("name %q is repeated or not valid", e.Name)
			}
			seen[e.Name] = true
			if (e.Dim < 2 && !e.IsText()) || e.Rows < 1 || e.Licence == "" || e.Source == "" || e.Origin == "" || e.Title == "" || len(e.Files) == 0 {
				t.Errorf("incomplete entry %+v", e)
			}
			if e.IsText() {
				// A text corpus: no dimension or metric; its index is checked
				// against the SHA256 its InRelease lists.
				if e.Dim != 0 || e.Metric != "" || e.Checksum != ChecksumPublished || len(e.Files) != 2 {
					t.Errorf("text corpus %+v", e)
				}
				return
			}
			if e.Metric != workloads.L2 && e.Metric != workloads.IP && e.Metric != workloads.Cosine {
				t.Errorf("metric %q", e.Metric)
			}
			published := true
			for _, f := range e.Files {
				published = published && (f.MD5 != "" || f.SHA256 != "")
				if u := e.URL(f, ""); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "ftp://") {
					t.Errorf("URL %s", u)
				}
			}
			if want := map[bool]string{true: ChecksumPublished, false: ChecksumRecorded}[published]; e.Checksum != want {
				t.Errorf("checksum %q, but its files say %q", e.Checksum, want)
			}
			switch e.Format {
			case FormatHDF5:
				if len(e.Files) != 1 || e.URL(e.Files[0], "") != "https://ann-benchmarks.com/"+e.Name+".hdf5" {
					t.Errorf("files %+v", e.Files)
				}
			case FormatTarball, FormatParquet:
			default:
				t.Errorf("format %q", e.Format)
			}
		})
	}
	for _, want := range []string{"sift-128-euclidean", "glove-100-angular", "glove-25-angular", "gist-960-euclidean", "fashion-mnist-784-euclidean",
		"nytimes-256-angular", "deep-image-96-angular", "mnist-784-euclidean", "lastfm-64-dot", "sift1m", "gist1m", "cohere-1m", "cohere-10m", "openai-500k", "openai-5m"} {
		if !seen[want] {
			t.Errorf("%s is not in the catalogue", want)
		}
	}
	d, _ := Lookup("debian-descriptions")
	if d.URL(d.Files[0], "") != "https://deb.debian.org/debian/dists/bookworm/InRelease" ||
		d.URL(d.Files[1], "") != "https://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.gz" ||
		d.URL(d.Files[1], "http://mirror/debian") != "http://mirror/debian/dists/bookworm/main/binary-amd64/Packages.gz" ||
		d.Licence != "DFSG-free: metadata of packages in Debian main, each description under its own package's licence" {
		t.Errorf("debian-descriptions %+v", d)
	}
	e, _ := Lookup("cohere-10m")
	if len(e.Files) != 12 || e.URL(e.Files[0], "") != "https://assets.zilliz.com/benchmark/cohere_large_10m/train-00-of-10.parquet" ||
		e.URL(e.Files[11], "http://mirror/x/") != "http://mirror/x/cohere_large_10m/neighbors.parquet" {
		t.Errorf("cohere-10m files %v", e.Files)
	}
}

// TestForURL covers fetching by URL.
func TestForURL(t *testing.T) {
	const sha = "b1b7272b5f0cec6fd3bd715707953d727da961cd3f5ea3d4538a1b589c4dea6c"
	cases := []struct {
		name, url, sha string
		wantFormat     string
		wantFile       string
		wantMetric     workloads.Metric
		wantChecksum   string
		wantErr        string
	}{
		{name: "coco-i2i-512-angular", url: "https://example.com/r/coco-i2i-512-angular.hdf5", wantFormat: FormatHDF5, wantFile: "coco-i2i-512-angular.hdf5", wantMetric: workloads.Cosine, wantChecksum: ChecksumRecorded},
		{name: "mine", url: "http://example.com/data.tgz?x=1", sha: sha, wantFormat: FormatTarball, wantFile: "data.tgz", wantChecksum: ChecksumPublished},
		{name: "sift-128-euclidean", url: "http://mirror/s.hdf5", wantFormat: FormatHDF5, wantFile: "sift-128-euclidean.hdf5", wantMetric: workloads.L2, wantChecksum: ChecksumRecorded},
		{name: "sift1m", url: "http://mirror/sift.tar.gz", wantFormat: FormatTarball, wantFile: "sift.tar.gz", wantMetric: workloads.L2, wantChecksum: ChecksumPublished},
		{name: "cohere-1m", url: "http://mirror/train.parquet", wantErr: "cohere-1m has 3 files and --url names one: for a copy of the publisher's layout use --mirror BASE_URL"},
		{name: "x", url: "http://example.com/train.parquet", wantErr: "milvbench fetches one .hdf5 file"},
		{name: "x", url: "example.com/a.hdf5", wantErr: `--url "example.com/a.hdf5" is not an absolute URL`},
		{name: "x", url: "http://example.com/a.hdf5", sha: "abc", wantErr: `--sha256 "abc" is not a sha256`},
		{name: "My Set", url: "http://example.com/a.hdf5", wantErr: `"My Set" is not a dataset name`},
	}
	for _, tc := range cases {
		t.Run(tc.name+" "+tc.url, func(t *testing.T) {
			e, err := ForURL(tc.name, tc.url, tc.sha)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Format != tc.wantFormat || e.Files[0].Name() != tc.wantFile || e.Metric != tc.wantMetric || e.Checksum != tc.wantChecksum || e.URL(e.Files[0], "http://ignored/") != tc.url {
				t.Errorf("entry %+v", e)
			}
		})
	}
}
