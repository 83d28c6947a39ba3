// Package fetch downloads the public vector datasets users know by name —
// the ann-benchmarks HDF5 files, TEXMEX SIFT/GIST, VectorDBBench's parquet
// sets — into milvbench's dataset cache, checks every file against a
// checksum (the publisher's, or the sha256 recorded when it was first
// downloaded), and resolves a workload's `dataset: {name: NAME}` to the
// cached files. It never downloads anything while a workload runs: a name
// that is not in the cache is an error that gives the fetch command.
package fetch

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/milvbench/milvbench/workloads"
)

// How an entry's files are checked.
const (
	// ChecksumPublished: the publisher gives a checksum for every file
	// downloaded; the download must match it.
	ChecksumPublished = "published"
	// ChecksumRecorded: the publisher gives none; the sha256 of the first
	// complete download is recorded in the cache, and every later fetch and
	// every read is checked against it.
	ChecksumRecorded = "recorded-on-first-download"
)

// Formats a dataset is published in, which decide the source it resolves to.
const (
	// FormatHDF5 is one ann-benchmarks HDF5 file (train, test, neighbors,
	// distances): source hdf5 with path the file.
	FormatHDF5 = "hdf5"
	// FormatTarball is a gzipped tar of fvecs/ivecs files (TEXMEX): its
	// *_base.fvecs, *_query.fvecs and *_groundtruth.ivecs are extracted and
	// the tarball deleted; source dir with path the directory.
	FormatTarball = "tar.gz"
	// FormatParquet is VectorDBBench's layout (train*.parquet, test.parquet,
	// neighbors.parquet): source parquet with path the directory.
	FormatParquet = "parquet"
)

// SourceHDF5 is the workload source an HDF5 entry resolves to (the HDF5
// reader's `dataset.source: hdf5`).
const SourceHDF5 = "hdf5"

// DebianLicence is the licence of the debian-descriptions corpus, as far
// as it can be stated: the descriptions are metadata of packages in Debian
// main, every one of which meets the Debian Free Software Guidelines, and
// each description is under its own package's licence.
const DebianLicence = "DFSG-free: metadata of packages in Debian main, each description under its own package's licence"

// Families of entries: who publishes the files.
const (
	FamilyANN    = "ann-benchmarks"
	FamilyTexmex = "texmex"
	FamilyVDBB   = "vectordbbench"
	FamilyURL    = "url" // fetched with --url, not in the catalogue
)

// File is one file an entry downloads.
type File struct {
	// Path is the file's path below the entry's base URL (and a mirror's);
	// its last element is the name it has in the cache.
	Path string
	// MD5 and SHA256 are the sums the publisher gives, hex ("" for none).
	MD5, SHA256 string
	// URL, when set, is where the file is fetched from instead (--url).
	URL string
}

// Name is the file's name in the cache.
func (f File) Name() string { return path.Base(f.Path) }

// Entry is one dataset of the catalogue.
type Entry struct {
	Name   string // what a workload's dataset.name and the fetch command take
	Title  string // how its publisher names it
	Family string
	Format string
	Dim    int
	Metric workloads.Metric
	// Rows is the number of base vectors, Queries of query vectors (0: the
	// publisher does not say).
	Rows, Queries int
	// Bytes is the download size as the publisher gives it (rounded), 0
	// when it gives none.
	Bytes int64
	// Licence is the data's licence as its publisher states it, with the
	// underlying data's origin in brackets.
	Licence string
	// Source is the publisher's page for the files; Origin the page of the
	// data they were made from.
	Source, Origin string
	// BaseURL is where the files are, each at BaseURL + File.Path.
	BaseURL string
	Files   []File
	// Checksum is ChecksumPublished or ChecksumRecorded.
	Checksum string
}

// URL returns where f is fetched from: its own URL when it has one, else
// below mirror when that is set, else below the entry's base URL.
func (e Entry) URL(f File, mirror string) string {
	if f.URL != "" {
		return f.URL
	}
	base := e.BaseURL
	if mirror != "" {
		base = mirror
	}
	return strings.TrimSuffix(base, "/") + "/" + f.Path
}

// Catalogue returns the catalogue, sorted by family then name. Each call
// builds a new slice: callers may not change the catalogue.
func Catalogue() []Entry {
	var out []Entry
	// ann-benchmarks (https://github.com/erikbern/ann-benchmarks#data-sets):
	// HDF5 files made from public sets, top-100 neighbours included; the
	// publisher gives sizes (rounded) and no checksums.
	const annSource = "https://github.com/erikbern/ann-benchmarks#data-sets"
	ann := func(name, title string, dim int, m workloads.Metric, rows, queries int, bytes int64, licence, origin string) Entry {
		return Entry{Name: name, Title: title, Family: FamilyANN, Format: FormatHDF5, Dim: dim, Metric: m,
			Rows: rows, Queries: queries, Bytes: bytes, Licence: licence, Source: annSource, Origin: origin,
			BaseURL: "https://ann-benchmarks.com/", Files: []File{{Path: name + ".hdf5"}}, Checksum: ChecksumRecorded}
	}
	const (
		mb = 1_000_000
		gb = 1_000_000_000
	)
	texmexLicence, texmexOrigin := "CC0 (TEXMEX, INRIA)", "http://corpus-texmex.irisa.fr/"
	out = append(out,
		ann("deep-image-96-angular", "DEEP1B (10M subset)", 96, workloads.Cosine, 9_990_000, 10_000, 3_600*mb, "CC BY 4.0 (Yandex DEEP1B)", "http://sites.skoltech.ru/compvision/noimi/"),
		ann("fashion-mnist-784-euclidean", "Fashion-MNIST", 784, workloads.L2, 60_000, 10_000, 217*mb, "MIT (Fashion-MNIST, Zalando)", "https://github.com/zalandoresearch/fashion-mnist"),
		ann("gist-960-euclidean", "GIST1M", 960, workloads.L2, 1_000_000, 1_000, 3_600*mb, texmexLicence, texmexOrigin),
		ann("glove-25-angular", "GloVe 25", 25, workloads.Cosine, 1_183_514, 10_000, 121*mb, "PDDL 1.0 (GloVe, Stanford)", "https://nlp.stanford.edu/projects/glove/"),
		ann("glove-50-angular", "GloVe 50", 50, workloads.Cosine, 1_183_514, 10_000, 235*mb, "PDDL 1.0 (GloVe, Stanford)", "https://nlp.stanford.edu/projects/glove/"),
		ann("glove-100-angular", "GloVe 100", 100, workloads.Cosine, 1_183_514, 10_000, 463*mb, "PDDL 1.0 (GloVe, Stanford)", "https://nlp.stanford.edu/projects/glove/"),
		ann("glove-200-angular", "GloVe 200", 200, workloads.Cosine, 1_183_514, 10_000, 918*mb, "PDDL 1.0 (GloVe, Stanford)", "https://nlp.stanford.edu/projects/glove/"),
		// The Last.fm factors are 64 dimensions plus one that makes the
		// inner product an angular search; the file's distance is angular.
		ann("lastfm-64-dot", "Last.fm", 65, workloads.Cosine, 292_385, 50_000, 135*mb, "non-commercial use (Last.fm listening data)", "https://github.com/erikbern/ann-benchmarks/pull/91"),
		ann("mnist-784-euclidean", "MNIST", 784, workloads.L2, 60_000, 10_000, 217*mb, "CC BY-SA 3.0 (MNIST)", "http://yann.lecun.com/exdb/mnist/"),
		ann("nytimes-256-angular", "NYTimes", 256, workloads.Cosine, 290_000, 10_000, 301*mb, "CC BY 4.0 (UCI Bag of Words)", "https://archive.ics.uci.edu/ml/datasets/bag+of+words"),
		ann("sift-128-euclidean", "SIFT1M", 128, workloads.L2, 1_000_000, 10_000, 501*mb, texmexLicence, texmexOrigin),
	)
	// Debian (https://www.debian.org/distrib/packages): a text corpus, the
	// short description of every package in Debian 12 (bookworm) main for
	// amd64, from the archive's package index. The index is checked against
	// the SHA256 the suite's InRelease lists for it (the InRelease's OpenPGP
	// signature is not verified); it is replaced at each point release, so
	// Rows and Bytes are those of 12.15 (July 2026).
	out = append(out, Entry{Name: "debian-descriptions", Title: "Debian 12 (bookworm) main amd64: package short descriptions",
		Family: FamilyDebian, Format: FormatDebianPackages, Rows: 63_440, Bytes: 12_084_798,
		Licence: DebianLicence, Source: "https://deb.debian.org/debian/dists/bookworm/", Origin: "https://www.debian.org/distrib/packages",
		BaseURL: "https://deb.debian.org/debian/",
		Files:   []File{{Path: "dists/bookworm/InRelease"}, {Path: "dists/bookworm/main/binary-amd64/Packages.gz"}},
		// Published: the index must match the SHA256 the InRelease lists.
		Checksum: ChecksumPublished})
	// TEXMEX (http://corpus-texmex.irisa.fr/): tarballs of fvecs/ivecs on
	// the publisher's FTP server, with the MD5 sums its MD5SUM file gives.
	texmex := func(name, title string, dim, rows, queries int, bytes int64, file, md5 string) Entry {
		return Entry{Name: name, Title: title, Family: FamilyTexmex, Format: FormatTarball, Dim: dim, Metric: workloads.L2,
			Rows: rows, Queries: queries, Bytes: bytes, Licence: texmexLicence, Source: texmexOrigin, Origin: texmexOrigin,
			BaseURL: "ftp://ftp.irisa.fr/local/texmex/corpus/", Files: []File{{Path: file, MD5: md5}}, Checksum: ChecksumPublished}
	}
	out = append(out,
		texmex("gist1m", "ANN_GIST1M", 960, 1_000_000, 1_000, 2_600*mb, "gist.tar.gz", "31185e0f00854f74d27e8ad8d52628a9"),
		texmex("sift10k", "ANN_SIFT10K", 128, 10_000, 100, 5_100_000, "siftsmall.tar.gz", "0b8324a7a82d7f2663d7dcbd57642df7"),
		texmex("sift1m", "ANN_SIFT1M", 128, 1_000_000, 10_000, 161*mb, "sift.tar.gz", "b23d1b3b2ee8469d819b61ca900ef0ed"),
	)
	// VectorDBBench (vectordb_bench/backend/dataset.py): the sets with
	// queries and ground truth, at <bucket>/benchmark/<name>_<label>_<size>/
	// (S3 assets.zilliz.com, Aliyun OSS assets.zilliz.com.cn); train files in
	// id order (train.parquet, or train-NN-of-MM.parquet), test.parquet and
	// neighbors.parquet. It gives neither sizes nor checksums (it compares
	// a local file's size with the bucket's).
	const vdbbSource = "https://github.com/zilliztech/VectorDBBench"
	vdbb := func(name, title, dir string, dim int, m workloads.Metric, rows, trainFiles int, licence, origin string) Entry {
		var files []File
		if trainFiles == 1 {
			files = append(files, File{Path: dir + "/train.parquet"})
		} else {
			for i := range trainFiles {
				files = append(files, File{Path: fmt.Sprintf("%s/train-%02d-of-%d.parquet", dir, i, trainFiles)})
			}
		}
		files = append(files, File{Path: dir + "/test.parquet"}, File{Path: dir + "/neighbors.parquet"})
		return Entry{Name: name, Title: title, Family: FamilyVDBB, Format: FormatParquet, Dim: dim, Metric: m, Rows: rows,
			Licence: licence, Source: vdbbSource, Origin: origin,
			BaseURL: "https://assets.zilliz.com/benchmark/", Files: files, Checksum: ChecksumRecorded}
	}
	const (
		cohere = "https://huggingface.co/datasets/Cohere/wikipedia-22-12"
		openai = "https://huggingface.co/datasets/allenai/c4"
		bioasq = "http://bioasq.org/"
		laion  = "https://laion.ai/blog/laion-5b/"
	)
	cohereLicence := "Apache-2.0 (Cohere wikipedia-22-12 embeddings)"
	openaiLicence := "not stated by VectorDBBench (C4 text, ODC-BY; OpenAI embeddings)"
	bioasqLicence := "not stated by VectorDBBench (BioASQ corpus terms)"
	out = append(out,
		vdbb("bioasq-10m", "Large Bioasq (1024dim, 10M)", "bioasq_large_10m", 1024, workloads.Cosine, 10_000_000, 10, bioasqLicence, bioasq),
		vdbb("bioasq-1m", "Medium Bioasq (1024dim, 1M)", "bioasq_medium_1m", 1024, workloads.Cosine, 1_000_000, 1, bioasqLicence, bioasq),
		vdbb("cohere-100k", "Small Cohere (768dim, 100K)", "cohere_small_100k", 768, workloads.Cosine, 100_000, 1, cohereLicence, cohere),
		vdbb("cohere-10m", "Large Cohere (768dim, 10M)", "cohere_large_10m", 768, workloads.Cosine, 10_000_000, 10, cohereLicence, cohere),
		vdbb("cohere-1m", "Medium Cohere (768dim, 1M)", "cohere_medium_1m", 768, workloads.Cosine, 1_000_000, 1, cohereLicence, cohere),
		vdbb("laion-100m", "Large LAION (768dim, 100M)", "laion_large_100m", 768, workloads.L2, 100_000_000, 100, "CC BY 4.0 (LAION-5B)", laion),
		vdbb("openai-500k", "Medium OpenAI (1536dim, 500K)", "openai_medium_500k", 1536, workloads.Cosine, 500_000, 1, openaiLicence, openai),
		vdbb("openai-50k", "Small OpenAI (1536dim, 50K)", "openai_small_50k", 1536, workloads.Cosine, 50_000, 1, openaiLicence, openai),
		vdbb("openai-5m", "Large OpenAI (1536dim, 5M)", "openai_large_5m", 1536, workloads.Cosine, 5_000_000, 10, openaiLicence, openai),
	)
	return out
}

// ForURL returns the entry that fetches name from the file at u. For a
// catalogue entry of one file, that is the entry with the file read from u
// instead of its publisher; for any other name, a new entry of the file at
// u: an ann-benchmarks style .hdf5 file, or a .tar.gz of fvecs/ivecs files
// in the TEXMEX layout. Its checksum is sha256 when given (hex), else the
// sha256 recorded on its first download.
func ForURL(name, u, sha256 string) (Entry, error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return Entry{}, fmt.Errorf("--url %q is not an absolute URL (http, https or ftp)", u)
	}
	if sha256 != "" && !sha256RE.MatchString(sha256) {
		return Entry{}, fmt.Errorf("--sha256 %q is not a sha256 (64 hex digits)", sha256)
	}
	if e, ok := Lookup(name); ok {
		if len(e.Files) != 1 {
			return Entry{}, fmt.Errorf("%s has %d files and --url names one: for a copy of the publisher's layout use --mirror BASE_URL", name, len(e.Files))
		}
		e.Files = []File{{Path: e.Files[0].Path, MD5: e.Files[0].MD5, SHA256: e.Files[0].SHA256, URL: u}}
		if sha256 != "" {
			e.Files[0].SHA256, e.Checksum = sha256, ChecksumPublished
		}
		return e, nil
	}
	if !ValidName(name) {
		return Entry{}, fmt.Errorf("%q is not a dataset name (lower-case letters, digits, '.', '_' and '-'; it names a directory in the cache)", name)
	}
	file := path.Base(p.Path)
	lower := strings.ToLower(file)
	e := Entry{Name: name, Title: u, Family: FamilyURL, Licence: "unknown (fetched by URL)", Source: u, Origin: u,
		Metric: metricFromName(file), Checksum: ChecksumRecorded}
	switch {
	case strings.HasSuffix(lower, ".hdf5") || strings.HasSuffix(lower, ".h5"):
		e.Format = FormatHDF5
	case strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz"):
		e.Format = FormatTarball
	default:
		return Entry{}, fmt.Errorf("--url %s: milvbench fetches one .hdf5 file (ann-benchmarks layout) or one .tar.gz of fvecs/ivecs files (TEXMEX layout) by URL; for VectorDBBench's parquet sets use their catalogue names", u)
	}
	if !fileRE.MatchString(file) {
		file = name + "." + e.Format
	}
	e.Files = []File{{Path: file, SHA256: sha256, URL: u}}
	if sha256 != "" {
		e.Checksum = ChecksumPublished
	}
	return e, nil
}

var (
	sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	fileRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// Lookup returns the catalogue entry called name.
func Lookup(name string) (Entry, bool) {
	for _, e := range Catalogue() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Nearest returns up to n of candidates nearest to name, comparing them
// without case and punctuation: first those that contain it (or that it
// contains), then by edit distance to the whole name or to its start.
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		name  string
		score int
	}
	q := squash(name)
	var s []scored
	for _, c := range candidates {
		nc := squash(c)
		d := min(editDistance(q, nc), editDistance(q, nc[:min(len(nc), len(q))])+1)
		if q != "" && (strings.Contains(nc, q) || strings.Contains(q, nc)) {
			d = -1
		}
		s = append(s, scored{c, d})
	}
	slices.SortStableFunc(s, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for _, x := range s[:min(n, len(s))] {
		out = append(out, x.name)
	}
	return out
}

// squash lower-cases s and drops everything but letters and digits.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev, cur := make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			sub := prev[j-1]
			if s[i-1] != t[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(t)]
}

// nameRE is what a dataset name may be: it names a directory in the cache.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)

// ValidName reports whether name can name a dataset in the cache.
func ValidName(name string) bool { return nameRE.MatchString(name) && !strings.Contains(name, "..") }

// metricFromName guesses the metric of a file named the ann-benchmarks way
// (NAME-DIM-DISTANCE.hdf5): angular is COSINE, euclidean L2, dot IP; ""
// when the name says none.
func metricFromName(name string) workloads.Metric {
	base := strings.ToLower(strings.TrimSuffix(path.Base(name), path.Ext(name)))
	switch {
	case strings.HasSuffix(base, "-angular"):
		return workloads.Cosine
	case strings.HasSuffix(base, "-euclidean"):
		return workloads.L2
	case strings.HasSuffix(base, "-dot"):
		return workloads.IP
	}
	return ""
}
