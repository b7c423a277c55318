package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDockerfile writes content to a fresh file in a temporary directory and
// returns its path.
func writeDockerfile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		content string
		// want are substrings of stdout (those starting with ":" follow the
		// file name); none means the file must be reported clean.
		want []string
	}{
		{
			name: "clean multi-stage",
			content: `# syntax=docker/dockerfile:1
FROM golang:1.26-trixie AS build
WORKDIR /src
COPY --from=certs ca-certificates.crt /etc/ssl/certs/
ARG VERSION=dev
ENV CGO_ENABLED=0 \
    PATH=/go/bin:$PATH
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /out/app /app
USER 65532:65532
EXPOSE 8080/tcp
ENTRYPOINT ["/app"]
`,
		},
		{
			name:    "clean scratch",
			content: "FROM scratch\nCOPY app /app\nCMD [\"/app\"]\n",
		},
		{
			name:    "FROM/as casing mismatch",
			content: "FROM debian:trixie-slim as build\nRUN true\n",
			want:    []string{":1: FromAsCasing: 'as' and 'FROM' keywords' casing do not match (https://docs.docker.com/go/dockerfile/rule/from-as-casing/)"},
		},
		{
			name:    "shell-form CMD",
			content: "FROM debian:trixie-slim\nCMD echo hi\n",
			want:    []string{":2: JSONArgsRecommended: ", "(https://docs.docker.com/go/dockerfile/rule/json-args-recommended/)"},
		},
		{
			name:    "legacy ENV format",
			content: "FROM debian:trixie-slim\nENV A 1\n",
			want:    []string{":2: LegacyKeyValueFormat: ", "(https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/)"},
		},
		{
			name:    "several warnings in line order",
			content: "FROM debian:trixie-slim\nMAINTAINER me\nENV B=$NOPE\n",
			want:    []string{":2: MaintainerDeprecated: ", ":3: UndefinedVar: Usage of undefined variable '$NOPE'"},
		},
		{
			name:    "check directive skips a rule",
			content: "# check=skip=JSONArgsRecommended\nFROM debian:trixie-slim\nCMD echo hi\n",
		},
		{
			name:    "unknown instruction",
			content: "FROM debian:trixie-slim\nFROOM scratch\n",
			want:    []string{":2: error: dockerfile parse error on line 2: unknown instruction: FROOM"},
		},
		{
			name:    "COPY without destination",
			content: "FROM debian:trixie-slim\nCOPY onlyone\n",
			want:    []string{":2: error: dockerfile parse error on line 2: COPY requires at least two arguments"},
		},
		{
			name:    "no instructions",
			content: "# nothing here\n",
			want:    []string{":1: error: file with no instructions"},
		},
		{
			name:    "empty file",
			content: "",
			want:    []string{": error: the Dockerfile cannot be empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeDockerfile(t, "Dockerfile", tt.content)
			var stdout, stderr bytes.Buffer
			err := run([]string{path}, &stdout, &stderr)
			out := stdout.String()
			if len(tt.want) == 0 {
				if err != nil || out != "ok "+path+"\n" {
					t.Fatalf("run = %v, stdout:\n%s\nwant ok %s", err, out, path)
				}
				return
			}
			if !errors.Is(err, errFindings) {
				t.Fatalf("run = %v, want errFindings; stdout:\n%s", err, out)
			}
			if strings.Contains(out, "ok ") {
				t.Errorf("stdout says ok:\n%s", out)
			}
			for _, w := range tt.want {
				if strings.HasPrefix(w, ":") {
					w = path + w
				}
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if !strings.HasPrefix(line, path+":") {
					t.Errorf("line does not start with %q: %q", path+":", line)
				}
			}
		})
	}
}

func TestRunSeveralFiles(t *testing.T) {
	good := writeDockerfile(t, "good.Dockerfile", "FROM scratch\nCOPY a /a\n")
	bad := writeDockerfile(t, "bad.Dockerfile", "FROM scratch\nCMD echo hi\n")
	missing := filepath.Join(t.TempDir(), "missing.Dockerfile")
	var stdout, stderr bytes.Buffer
	err := run([]string{good, bad, missing}, &stdout, &stderr)
	if !errors.Is(err, errFindings) || !strings.Contains(err.Error(), "2 of 3") {
		t.Fatalf("run = %v, want findings in 2 of 3 files", err)
	}
	want := []string{
		"ok " + good,
		bad + ":2: JSONArgsRecommended: ",
		missing + ": error: open " + missing + ": no such file or directory",
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], w)
		}
	}
}

func TestRunNoArgs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(nil, &stdout, &stderr); err == nil {
		t.Fatal("run with no files succeeded")
	}
	if !strings.HasPrefix(stderr.String(), "usage: ") {
		t.Errorf("stderr = %q, want usage", stderr.String())
	}
}
