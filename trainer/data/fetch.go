package data

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// TatoebaURL is the default address of a Tatoeba pair file on manythings.org/anki; %s is the
// language code (deu-eng.zip holds English–German).
const TatoebaURL = "https://www.manythings.org/anki/%s-eng.zip"

// TatoebaURLEnv names the environment variable that replaces TatoebaURL (same %s template).
const TatoebaURLEnv = "ATTNSEARCH_TATOEBA_URL"

// maxTatoebaBytes bounds a download (the largest pair files are a few tens of MB).
const maxTatoebaBytes = 512 << 20

// langCode is the form of a manythings.org language code.
var langCode = regexp.MustCompile(`^[a-z]{3}$`)

// TatoebaFiles is what FetchTatoeba wrote.
type TatoebaFiles struct {
	Zip   string // the downloaded archive, as served
	Pairs string // the unpacked tab-separated pair file (english<TAB>other<TAB>attribution)
	About string // the archive's _about.txt (licence and attribution), "" if it had none
	Lines int    // lines in the pair file
}

// FetchTatoeba fetches the pair file for lang (a three-letter code such as "deu") from
// urlTemplate ("" = TatoebaURL; %s is replaced by lang) with client, keeps the archive as
// outDir/LANG-eng.zip and unpacks its one .txt data member to outDir/LANG-eng.txt (and
// _about.txt beside it when present). urlTemplate may also name a local file, as a path or a
// file:// URL: a .zip archive (copied, then unpacked as a download is) or the pair file itself
// (copied to outDir/LANG-eng.txt). The archive must hold exactly one data member (names starting
// with _ ignored) whose lines have 2 or 3 tab-separated fields. On any error nothing is left
// behind: no file of this call, and no outDir when this call created it. A failed download's
// error says how to fetch the file on another machine and pass it as a local file.
func FetchTatoeba(ctx context.Context, client *http.Client, urlTemplate, lang, outDir string) (_ *TatoebaFiles, err error) {
	if err := CheckTatoebaLang(lang); err != nil {
		return nil, err
	}
	if urlTemplate == "" {
		urlTemplate = TatoebaURL
	}
	url := urlTemplate
	if strings.Contains(url, "%s") {
		url = strings.ReplaceAll(url, "%s", lang)
	}
	local, isLocal := localPath(url)
	if isLocal {
		if fi, serr := os.Stat(local); serr != nil {
			return nil, fmt.Errorf("data: tatoeba: %w", serr)
		} else if fi.IsDir() {
			return nil, fmt.Errorf("data: tatoeba: %s is a directory; want the pair file (.txt, .tsv) or its .zip archive", local)
		}
	}
	created := false
	if _, serr := os.Stat(outDir); errors.Is(serr, fs.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("data: tatoeba: create %s: %w", outDir, err)
	}
	files := &TatoebaFiles{Zip: filepath.Join(outDir, lang+"-eng.zip"), Pairs: filepath.Join(outDir, lang+"-eng.txt")}
	var made []string // files this call wrote, removed on error
	defer func() {
		if err == nil {
			return
		}
		for _, f := range made {
			os.Remove(f)
		}
		if created {
			os.Remove(outDir) // only when empty
		}
	}()
	switch {
	case isLocal && !strings.EqualFold(filepath.Ext(local), ".zip"):
		// The pair file itself: copied, then checked like an unpacked one.
		files.Zip = ""
		made = append(made, files.Pairs)
		if files.Lines, err = copyFile(local, files.Pairs); err != nil {
			return nil, err
		}
		return files, checkPairs(ctx, files.Pairs)
	case isLocal:
		made = append(made, files.Zip)
		if _, err = copyFile(local, files.Zip); err != nil {
			return nil, err
		}
	default:
		if err = download(ctx, client, url, files.Zip); err != nil {
			return nil, fmt.Errorf("%w\n  without a network here: fetch %s on a machine that has one, copy it here and run\n  attnsearch data tatoeba %s --out %s --url PATH/%s", err, url, lang, outDir, filepath.Base(files.Zip))
		}
		made = append(made, files.Zip)
	}
	zr, err := zip.OpenReader(files.Zip)
	if err != nil {
		return nil, fmt.Errorf("data: tatoeba: %s from %s is not a zip archive: %w", files.Zip, url, err)
	}
	defer zr.Close()
	var data, about *zip.File
	var names []string
	for _, f := range zr.File {
		base := filepath.Base(f.Name)
		switch {
		case f.FileInfo().IsDir():
		case base == "_about.txt":
			about = f
		case strings.HasPrefix(base, "_") || !strings.EqualFold(filepath.Ext(base), ".txt"):
		default:
			data = f
			names = append(names, f.Name)
		}
	}
	if len(names) != 1 {
		return nil, fmt.Errorf("data: tatoeba: %s: want exactly one .txt pair file, found %d %v", files.Zip, len(names), names)
	}
	if about != nil {
		files.About = filepath.Join(outDir, "_about.txt")
		made = append(made, files.About)
		if _, err = extract(about, files.About); err != nil {
			return nil, err
		}
	}
	made = append(made, files.Pairs)
	if files.Lines, err = extract(data, files.Pairs); err != nil {
		return nil, err
	}
	if err = checkPairs(ctx, files.Pairs); err != nil {
		return nil, err
	}
	return files, nil
}

// CheckTatoebaLang returns an error unless lang has the form of a manythings.org language code.
func CheckTatoebaLang(lang string) error {
	if !langCode.MatchString(lang) {
		return fmt.Errorf("data: tatoeba language %q: want a three-letter code such as deu, fra, spa (see manythings.org/anki)", lang)
	}
	return nil
}

// localPath returns the file a file:// URL or a plain path names; false for http(s) and other URLs.
func localPath(url string) (string, bool) {
	if strings.HasPrefix(strings.ToLower(url), "file://") {
		return url[len("file://"):], true
	}
	return url, !strings.Contains(url, "://")
}

// checkPairs checks that every non-empty line of a pair file has 2 or 3 tab-separated fields.
func checkPairs(ctx context.Context, path string) error {
	lines, _, err := readTSVSource(ctx, path)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if n := strings.Count(l.text, "\t"); strings.TrimSpace(l.text) != "" && (n < 1 || n > 2) {
			return fmt.Errorf("data: tatoeba: %s:%d: want 2 or 3 tab-separated fields, got %d", path, l.no, n+1)
		}
	}
	return nil
}

// copyFile copies src to dst and returns the number of lines copied.
func copyFile(src, dst string) (int, error) {
	if a, b := absPath(src), absPath(dst); a == b {
		return 0, fmt.Errorf("data: tatoeba: %s is already where the pair file goes; train on it with --data %s", src, src)
	}
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("data: tatoeba: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, fmt.Errorf("data: tatoeba: %w", err)
	}
	lc := &lineCounter{w: out}
	_, err = io.Copy(lc, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("data: tatoeba: copy %s to %s: %w", src, dst, err)
	}
	return lc.lines, nil
}

// download writes the body of a GET of url to path (through a temporary file, renamed on
// success).
func download(ctx context.Context, client *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("data: tatoeba: %w", err)
	}
	req.Header.Set("User-Agent", "attnsearch (github.com/attnsearch/attnsearch)")
	resp, err := client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the message already
		}
		return fmt.Errorf("data: tatoeba: download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("data: tatoeba: download %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".download-*")
	if err != nil {
		return fmt.Errorf("data: tatoeba: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, maxTatoebaBytes+1))
	if err == nil && n > maxTatoebaBytes {
		err = fmt.Errorf("larger than %d MiB", maxTatoebaBytes>>20)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("data: tatoeba: download %s: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("data: tatoeba: %w", err)
	}
	return nil
}

// maxUnpackedBytes bounds an unpacked member.
const maxUnpackedBytes = 2 << 30

// extract writes one zip member to path and returns its number of lines.
func extract(f *zip.File, path string) (int, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("data: tatoeba: open %s: %w", f.Name, err)
	}
	defer rc.Close()
	out, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("data: tatoeba: %w", err)
	}
	lc := &lineCounter{w: out}
	n, err := io.Copy(lc, io.LimitReader(rc, maxUnpackedBytes+1))
	if err == nil && n > maxUnpackedBytes {
		err = fmt.Errorf("larger than %d MiB unpacked", maxUnpackedBytes>>20)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("data: tatoeba: unpack %s to %s: %w", f.Name, path, err)
	}
	return lc.lines, nil
}

// lineCounter counts the newlines written through it.
type lineCounter struct {
	w     io.Writer
	lines int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return c.w.Write(p)
}

// absPath is path made absolute (path itself when that fails).
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}
