package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/datasets/fetch"
	"github.com/milvbench/milvbench/workloads"
	"github.com/spf13/cobra"
)

// datasetsRoot is the cache directory fetched datasets go to.
func datasetsRoot() string { return filepath.Join(datasets.CacheDir(os.Getenv), "datasets") }

// resolveNamed points a workload's named dataset (dataset.name) at its
// files in the cache, checking them against their checksums; a workload
// without a name is left as it is. Problems are workload errors (exit 2).
func resolveNamed(spec *workloads.Spec, log io.Writer) error {
	if err := checkCorpora(spec, log); err != nil {
		return err
	}
	if spec.Dataset.Name == "" {
		return nil
	}
	r, err := fetch.Resolve(&spec.Dataset, datasetsRoot())
	if err != nil {
		return &workloads.Error{File: spec.File, Field: "dataset.name", Msg: err.Error()}
	}
	fmt.Fprintf(log, "data   %s: %s (%s) in %s match their recorded sha256 (%.1fs)\n",
		spec.Dataset.Name, workloads.Count(r.Files, "file", "files"), fetch.FormatBytes(r.Bytes), r.Dir, r.Elapsed.Seconds())
	return nil
}

// checkCorpora checks the text corpora the workload's text fields name
// (fields[].data.name): an unknown name is a workload error; one not yet
// fetched a warning, since only a run reads it.
func checkCorpora(spec *workloads.Spec, log io.Writer) error {
	for i, f := range spec.Fields {
		if f.Data == nil || f.Data.Name == "" {
			continue
		}
		field := fmt.Sprintf("fields[%d].data.name", i)
		path, rows, err := fetch.ResolveText(f.Data.Name, datasetsRoot())
		var nf *fetch.NotFetchedError
		switch {
		case errors.As(err, &nf):
			fmt.Fprintf(log, "warning: %s: %s\n", field, err)
		case err != nil:
			return &workloads.Error{File: spec.File, Line: f.Data.NameLine, Field: field, Msg: err.Error()}
		default:
			fmt.Fprintf(log, "data   field %s: %s, %d documents in %s match their recorded sha256\n", f.Name, f.Data.Name, rows, path)
		}
	}
	return nil
}

func newDatasetFetch() *cobra.Command {
	var list, force bool
	var rawURL, mirror, sha string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "fetch NAME [--url URL] [--mirror BASE_URL] | --list",
		Short: "Download a public dataset by name into the cache, checked against its checksum",
		Long: `Download a public dataset into ${MILVBENCH_CACHE:-.cache}/datasets/NAME so that a
workload's "dataset: {name: NAME}" reads it: the ann-benchmarks HDF5 files
(source hdf5), TEXMEX SIFT/GIST (the tarball's fvecs/ivecs are extracted:
source dir) and VectorDBBench's parquet sets (source parquet); and
debian-descriptions, a text corpus (one line per Debian 12 package, its
name and short description) that a text field names with
"data: {name: debian-descriptions}". --list prints the catalogue.

Every file is checked: against the checksum its publisher gives, or, where
none is published, against the sha256 recorded when it was first
downloaded; a run checks the cached files again each time it reads them. A
checksum mismatch names both sums and discards the download; a file cached
before is left as it was. An interrupted download resumes where it stopped
(HTTP range requests, FTP REST) when the command is run again; a server
that sends nothing for --timeout fails the fetch. A run never downloads:
a workload naming a dataset that is not cached fails with the command to
fetch it.

--mirror BASE_URL fetches from a copy of the publisher's layout (behind a
proxy; HTTP(S)_PROXY are honoured too). --url URL fetches NAME's one file
from URL instead, or, for a name not in the catalogue, adds one .hdf5 file
or .tar.gz of fvecs/ivecs files under that name.`,
		Example: `  milvbench dataset fetch --list
  milvbench dataset fetch sift-128-euclidean
  milvbench dataset fetch sift1m --mirror http://mirror.internal/texmex
  milvbench dataset fetch coco-i2i-512-angular --url https://github.com/fabiocarrara/str-encoders/releases/download/v0.1.3/coco-i2i-512-angular.hdf5`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				if len(args) > 0 || rawURL != "" || mirror != "" {
					return usageError{errors.New("--list takes no name, --url or --mirror")}
				}
				return printCatalogue(cmd.OutOrStdout())
			}
			if len(args) != 1 {
				return usageError{errors.New("fetch takes a dataset name (milvbench dataset fetch --list shows them)")}
			}
			name := args[0]
			var e fetch.Entry
			switch {
			case rawURL != "":
				var err error
				if e, err = fetch.ForURL(name, rawURL, sha); err != nil {
					return usageError{err}
				}
			case sha != "":
				return usageError{errors.New("--sha256 applies with --url")}
			default:
				var ok bool
				if e, ok = fetch.Lookup(name); !ok {
					return usageError{fmt.Errorf("no dataset %q in the catalogue; nearest: %s (all: milvbench dataset fetch --list; any .hdf5 or .tar.gz file: --url URL)",
						name, strings.Join(fetch.Nearest(name, fetch.Names(datasetsRoot()), 3), ", "))}
				}
			}
			if mirror != "" && rawURL != "" {
				return usageError{errors.New("--mirror and --url do not go together: --url names the file itself")}
			}
			if timeout <= 0 {
				return usageError{fmt.Errorf("--timeout %s: must be positive", timeout)}
			}
			return runFetch(cmd, e, fetch.Options{Root: datasetsRoot(), Mirror: mirror, Stall: timeout, Force: force})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "print the catalogue: name, dimension, metric, rows, queries, size, checksum, licence, source")
	f.StringVar(&rawURL, "url", "", "fetch NAME's file from URL; for a name not in the catalogue, one .hdf5 or .tar.gz file")
	f.StringVar(&mirror, "mirror", "", "base URL of a mirror holding the publisher's layout, used instead of the publisher")
	f.StringVar(&sha, "sha256", "", "with --url: the file's sha256, checked instead of recording the first download's")
	f.DurationVar(&timeout, "timeout", fetch.DefaultStall, "fail when the server sends nothing for this long (a stalled connection)")
	f.BoolVar(&force, "force", false, "download again files that are cached and verified")
	return cmd
}

// runFetch fetches e, drawing a progress line (bytes, rate, ETA) on stderr.
func runFetch(cmd *cobra.Command, e fetch.Entry, opt fetch.Options) error {
	p := newProgress(cmd.ErrOrStderr())
	defer p.done()
	from := e.BaseURL
	if opt.Mirror != "" {
		from = opt.Mirror
	}
	if len(e.Files) == 1 {
		from = e.URL(e.Files[0], opt.Mirror)
	}
	fmt.Fprintf(p, "fetch  %s from %s into %s\n", e.Name, from, fetch.Dir(opt.Root, e.Name))
	opt.Log = func(msg string) { fmt.Fprintf(p, "fetch  %s\n", msg) }
	opt.Progress = func(pr fetch.Progress) {
		if pr.Final {
			fmt.Fprintf(p, "fetch  %s %s in %s (%s/s)\n", pr.File, fetch.FormatBytes(pr.Done-pr.Resumed), downloadTime(pr), fetch.FormatBytes(int64(pr.Rate)))
			return
		}
		p.show(fetchLine(pr))
	}
	m, err := fetch.Fetch(cmd.Context(), e, opt)
	if err != nil {
		return err
	}
	kinds := map[string]bool{}
	var total int64
	for _, r := range m.Files {
		kinds[r.Checksum] = true
		total += r.Size
	}
	how := "sha256 recorded on first download (every later fetch and read is checked against it)"
	if kinds[fetch.ChecksumPublished] && !kinds[fetch.ChecksumRecorded] {
		how = "published checksum matched"
	}
	p.done()
	if e.IsText() {
		fmt.Fprintf(cmd.OutOrStdout(), "fetched %s: %d documents (%s, sha256 %s) from %s, index checked against the SHA256 its InRelease lists (signature not verified); use it in a text field with data: {name: %s}\n",
			e.Name, m.Rows, fetch.FormatBytes(total), m.Files[fetch.DescriptionsFile].SHA256, m.Release, e.Name)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "fetched %s: %s, %s, %s; use it with dataset: {name: %s}\n",
		e.Name, workloads.Count(len(m.Files), "file", "files"), fetch.FormatBytes(total), how, e.Name)
	return nil
}

// fetchLine is the live line of a download: file, bytes, share, rate, ETA.
func fetchLine(pr fetch.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fetch  %s %s", pr.File, fetch.FormatBytes(pr.Done))
	if pr.Total > 0 {
		fmt.Fprintf(&b, " of %s (%.0f%%)", fetch.FormatBytes(pr.Total), 100*float64(pr.Done)/float64(pr.Total))
	}
	fmt.Fprintf(&b, " | %s/s", fetch.FormatBytes(int64(pr.Rate)))
	if pr.ETA >= 0 {
		fmt.Fprintf(&b, " eta %s", pr.ETA.Round(time.Second))
	} else {
		b.WriteString(" eta …")
	}
	return b.String()
}

func downloadTime(pr fetch.Progress) time.Duration {
	if pr.Rate <= 0 {
		return 0
	}
	return time.Duration(float64(pr.Done-pr.Resumed) / pr.Rate * float64(time.Second)).Round(100 * time.Millisecond)
}

// printCatalogue writes the catalogue as a table.
func printCatalogue(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDIM\tMETRIC\tROWS\tQUERIES\tSIZE\tFORMAT\tCHECKSUM\tLICENCE\tSOURCE")
	for _, e := range fetch.Catalogue() {
		queries, size, dim, metric := "?", "?", fmt.Sprint(e.Dim), string(e.Metric)
		if e.IsText() { // documents, searched by BM25: no dimension, metric or queries of its own
			queries, dim, metric = "-", "-", "text"
		}
		if e.Queries > 0 {
			queries = fmt.Sprint(e.Queries)
		}
		if e.Bytes > 0 {
			size = fetch.FormatBytes(e.Bytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			e.Name, dim, metric, e.Rows, queries, size, e.Format, e.Checksum, e.Licence, e.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nSIZE is the publisher's (rounded; ? where it gives none); QUERIES ? where it does not say. CHECKSUM published: checked\nagainst the publisher's sum; recorded-on-first-download: the first download's sha256 is kept in the cache and every later\nfetch and read is checked against it. LICENCE is the data's, with its origin in brackets: check the source before use.")
	return err
}
