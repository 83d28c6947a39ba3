package fetch

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// vectorFile matches the members of a TEXMEX tarball a run reads: the
// base, the queries and the ground truth (the learning set is left out).
var vectorFile = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*_(base\.(fvecs|bvecs)|query\.(fvecs|bvecs)|groundtruth\.ivecs)$`)

// extract writes the vector files of the gzipped tar at archive into dir,
// each under its base name, and returns their records (checksum kind
// kind: they are as trustworthy as the archive). Nothing in dir changes
// unless every file is extracted: each is written to a temporary name and
// renamed at the end.
func extract(archive, dir, kind string) (files map[string]Record, err error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzipped tar: %w", err)
	}
	defer zr.Close()
	files = map[string]Record{}
	var tmps []string
	defer func() {
		if err != nil {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
	}()
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the tar: %w", err)
		}
		name := path.Base(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !vectorFile.MatchString(name) {
			continue
		}
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("the tar holds %s twice", name)
		}
		tmp := filepath.Join(dir, name+".extract")
		tmps = append(tmps, tmp)
		out, err := os.Create(tmp)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, h), tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
		if n != hdr.Size {
			return nil, fmt.Errorf("extracting %s: %d of %d bytes", hdr.Name, n, hdr.Size)
		}
		files[name] = Record{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, Checksum: kind, Fetched: time.Now().UTC()}
	}
	var base, query bool
	for name := range files {
		base = base || strings.Contains(name, "_base.")
		query = query || strings.Contains(name, "_query.")
	}
	if !base || !query {
		return nil, errors.New("the tar holds no *_base.fvecs and *_query.fvecs (a TEXMEX layout)")
	}
	for _, name := range sortedKeys(files) {
		if err := os.Rename(filepath.Join(dir, name+".extract"), filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	return files, nil
}
