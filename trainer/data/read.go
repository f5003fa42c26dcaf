package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// MaxLineBytes is the longest input line accepted, in bytes; a longer line is an error.
const MaxLineBytes = 1 << 16

// line is one input line with its 1-based number.
type line struct {
	text string
	no   int
}

// readLines reads every line of path (see readLinesFrom).
func readLines(ctx context.Context, path string) ([]line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	defer f.Close()
	return readLinesFrom(ctx, f, path)
}

// readLinesFrom reads the lines of r, named name in errors: a leading UTF-8 BOM and each line's
// trailing "\r" are removed; invalid UTF-8 and lines over MaxLineBytes are errors naming the
// line (and column for UTF-8, counted in characters).
func readLinesFrom(ctx context.Context, r io.Reader, name string) ([]line, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []line
	for no := 1; ; no++ {
		if no%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("data: read %s: %w", name, err)
			}
		}
		b, err := readLine(br)
		if errors.Is(err, errLineTooLong) {
			return nil, fmt.Errorf("data: %s:%d: line longer than %d bytes", name, no, MaxLineBytes)
		}
		if err == io.EOF && b == nil {
			return out, nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("data: read %s:%d: %w", name, no, err)
		}
		if no == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		if !utf8.Valid(b) {
			col := 1
			for len(b) > 0 {
				r, size := utf8.DecodeRune(b)
				if r == utf8.RuneError && size <= 1 {
					break
				}
				b = b[size:]
				col++
			}
			return nil, fmt.Errorf("data: %s:%d:%d: invalid UTF-8", name, no, col)
		}
		out = append(out, line{text: string(b), no: no})
		if err == io.EOF {
			return out, nil
		}
	}
}

// errLineTooLong reports a line over MaxLineBytes.
var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its "\n" (nil, io.EOF at the end; the last line may
// end without "\n", then it comes with io.EOF).
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes+1 {
			return nil, errLineTooLong
		}
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(buf) == 0 {
				return nil, io.EOF
			}
			if len(buf) > MaxLineBytes {
				return nil, errLineTooLong
			}
			return buf, io.EOF
		default:
			return nil, err
		}
	}
}

// readTSVSource reads the lines of a TSV file, or of the one data member of a .zip archive
// (members ending in .txt or .tsv whose base name does not start with "_"). It returns the lines
// and the name to use in messages ("archive.zip!member.txt" for a zip member).
func readTSVSource(ctx context.Context, path string) ([]line, string, error) {
	if !strings.EqualFold(filepath.Ext(path), ".zip") {
		ls, err := readLines(ctx, path)
		return ls, path, err
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, path, fmt.Errorf("data: open zip %s: %w", path, err)
	}
	defer zr.Close()
	var members []*zip.File
	var names []string
	for _, f := range zr.File {
		base := filepath.Base(f.Name)
		ext := strings.ToLower(filepath.Ext(base))
		if f.FileInfo().IsDir() || strings.HasPrefix(base, "_") || (ext != ".txt" && ext != ".tsv") {
			continue
		}
		members = append(members, f)
		names = append(names, f.Name)
	}
	if len(members) != 1 {
		return nil, path, fmt.Errorf("data: zip %s: want exactly one .txt or .tsv data member (names starting with _ ignored), found %d %v", path, len(members), names)
	}
	name := path + "!" + members[0].Name
	rc, err := members[0].Open()
	if err != nil {
		return nil, name, fmt.Errorf("data: open %s: %w", name, err)
	}
	defer rc.Close()
	ls, err := readLinesFrom(ctx, rc, name)
	return ls, name, err
}
