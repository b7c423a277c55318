// Command dockerlint runs BuildKit's Dockerfile lint rules (the ones behind
// `docker build --check`) on each Dockerfile named on the command line,
// entirely offline.
//
//	go run ./tools/dockerlint images/golang.Dockerfile images/postgres/Dockerfile
//
// It prints "ok FILE" for each clean file, "FILE:LINE: Rule: message (url)" for
// each warning and "FILE:LINE: error: message" for a file that does not parse,
// all on stdout, and exits 1 if any file is not clean.
//
// The rules are BuildKit's own (dockerfile2llb.DockerfileLint), with the same
// defaults as `docker build --check`: every stable rule on, experimental rules
// (only InvalidDefinitionDescription at present) off, and `# check=skip=...` or
// `# check=experimental=...` directives in the Dockerfile honoured. Nothing is
// pulled: every base image, and every `COPY --from=` that names no stage,
// resolves to an empty image config. So InvalidBaseImagePlatform never fires,
// UndefinedVar does not know the variables a base image defines (it would flag
// `ENV X=$GOPATH` after `FROM golang`; PATH is always known), and
// CopyIgnoredFile never fires because there is no build context or
// .dockerignore.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

const usage = "usage: dockerlint DOCKERFILE...\n"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dockerlint:", err)
		os.Exit(1)
	}
}

// errFindings is wrapped by run's error when some file has warnings or errors;
// they have already been printed, so main adds only a one-line summary.
var errFindings = errors.New("lint findings")

// run lints every file in args. It prints "ok FILE" for a clean file and one
// "FILE:LINE: ..." line per finding to stdout, the usage to stderr, and
// returns a non-nil error if any file is not clean.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no Dockerfile given")
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, usage)
			return nil
		}
	}
	bad := 0
	for _, file := range args {
		findings, err := lintFile(context.Background(), file)
		if err != nil {
			fmt.Fprintf(stdout, "%s: error: %v\n", file, err)
			bad++
			continue
		}
		if len(findings) == 0 {
			fmt.Fprintf(stdout, "ok %s\n", file)
			continue
		}
		for _, f := range findings {
			fmt.Fprintln(stdout, f)
		}
		bad++
	}
	if bad > 0 {
		return fmt.Errorf("%w in %d of %d file(s)", errFindings, bad, len(args))
	}
	return nil
}

// lintFile returns one line per warning (and one for a parse or build error),
// sorted by line. err is only for a file that cannot be read or linted at all.
func lintFile(ctx context.Context, file string) ([]string, error) {
	dt, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	res, err := lintDockerfile(ctx, file, dt)
	if err != nil {
		return nil, err
	}
	type finding struct {
		line int
		text string
	}
	var out []finding
	for _, w := range res.Warnings {
		line := firstLine(w.Location.GetRanges())
		msg := w.Detail
		if msg == "" {
			msg = w.Description
		}
		text := fmt.Sprintf("%s: %s: %s", position(file, line), w.RuleName, msg)
		if w.URL != "" {
			text += " (" + w.URL + ")"
		}
		out = append(out, finding{line, text})
	}
	if e := res.Error; e != nil {
		line := firstLine(e.Location.GetRanges())
		out = append(out, finding{line, fmt.Sprintf("%s: error: %s", position(file, line), e.Message)})
	}
	slices.SortStableFunc(out, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.text, b.text))
	})
	lines := make([]string, 0, len(out))
	for i, f := range out {
		if i > 0 && f.text == out[i-1].text {
			continue // never print the same finding twice
		}
		lines = append(lines, f.text)
	}
	return lines, nil
}

// position is "FILE:LINE", or just FILE when the line is unknown (0).
func position(file string, line int) string {
	if line <= 0 {
		return file
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// firstLine is the 1-based line where a location starts, or 0 if it has none.
func firstLine(ranges []*pb.Range) int {
	if len(ranges) == 0 {
		return 0
	}
	return int(ranges[0].GetStart().GetLine())
}

// lintDockerfile runs BuildKit's linter on dt, the contents of file.
func lintDockerfile(ctx context.Context, file string, dt []byte) (*lint.LintResults, error) {
	// Like the Dockerfile frontend, describe the source as a local "dockerfile"
	// context; DockerfileLint needs the marshalled definition for its source map.
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	smap := llb.NewSourceMap(&src, file, "Dockerfile", dt)
	smap.Definition = def
	return dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		SourceMap:    smap,
		MetaResolver: offlineResolver{},
	})
}

// offlineResolver answers every image config request without a registry, with
// an empty config: no layers (so BuildKit treats the base like scratch and does
// not compare its platform with the target), no platform, no environment
// (BuildKit adds the default PATH itself, so `ENV PATH=...:$PATH` is fine).
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, "", []byte("{}"), nil
}
