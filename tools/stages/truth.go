package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The course shows only what its tests recorded. truth finds what would break that promise
// in the pages and in the comments of the stages and the shared module. It reads each page
// with a Markdown parser (markdown.go), as a reader sees it: fences of every kind, code spans,
// and quotes and figures wrapped over two lines of the source.
//
//   - A marker that is not filled (no closing marker, or a name it cannot read).
//   - A capture that no page shows, or a floor capture with no current one.
//   - A block outside a capture marker that shows output. A block says what it holds by its
//     language: sh (commands the learner types, each of which must start with a command), a
//     file's language (yaml, dockerfile, go, sql, ini, diff, mermaid…) or tree (a folder
//     layout). Any other block (bare, console, text, output, json, ~~~ or indented alike) is
//     output, and output is shown from a capture.
//   - A quote that reads as output or an error message, and is in no capture: text in "…",
//     “…”, ‘…’ or '…' (over line breaks too), and code spans that are not commands, when the
//     quote holds an error word (errorWords: failed, unhealthy, timeout, already in use…) or
//     a state Docker prints (Healthy, Exited…), or is 3 words or more. A quote shortened with an ellipsis is found when each of its parts
//     is. The quote is found at word boundaries: "fail" is not found in "failed". Not output:
//     a quote of a section's name (a heading, a bold label), a command the learner types, a
//     name in code (`on-failure`), and a quote with no error word in a sentence that links
//     the page outside the course it quotes (Docker's documentation, say).
//   - A figure (a time, a size, a rate or a percentage: "takes 10 seconds", "under 2 s",
//     "~5 s", "(~840 MB)") in prose, hedged or not, that neither a capture nor
//     docs/benchmarks.md gives. The number is found whole: "8.7 MB" is not found in "28.7 MB",
//     nor "2 ms" in "0.2 ms". A figure given as about so much ("about", "~"), with two
//     significant digits or more, may round a measured one to its own precision, in its unit
//     or another unit of time: "about 5.0 s" and "about 2.1 minutes" are backed by "5.03 s" and
//     "123.3 s"; "about 5 s" is not (rounded to one digit, almost any figure would do). A
//     bound ("under 2 s", "at most 10 s") is given exactly. A setting is best given as it is
//     written (`interval: 5s`, a code span), which is not a figure of prose.
//   - docs/benchmarks.md that `make bench` did not write as it is: its third line carries the
//     sha256 of what follows it, which the bench computes when it writes the page.
//   - On a learner's page (a stage README, a lesson doc), a word of how the course is tested:
//     the learner reads what to type and what they see; contributors read docs/testing.md.
//
// Each problem is "file:line: what is wrong; what to do".

// benchmarksPage is where measured figures come from; the truth check reads it as a source.
const benchmarksPage = "docs/benchmarks.md"

// benchHeader opens docs/benchmarks.md's third line, which make bench writes
// (e2e/benchreport_test.go) over two lines, within the Markdown lint's 100 columns: the
// page's sha256 from the line after it on follows it.
const (
	benchTitle  = "# Benchmarks\n\n"
	benchHeader = "<!-- Written by `make bench` (e2e/benchmarks_test.go); do not edit: run it again.\nsha256 of what follows: "
)

var (
	// errorWords mark a quote as an error message, a command's complaint or a bad state; a word
	// glued to a name by a hyphen is no error (`on-failure`).
	errorWords = regexp.MustCompile(`(?i)(?:^|[^\w-])(` + errorAlternation + `)(?:$|[^\w-])`)
	// commentQuoted is a code span or a double-quoted text in a source file's comment.
	commentQuoted = regexp.MustCompile("`([^`\n]+)`|\"([^\"\n]+)\"|“([^”\n]+)”")
	// ellipsis separates the parts of a shortened quote.
	ellipsis = regexp.MustCompile(`\s*(…|\.\.\.|\[…\]|\[\.\.\.\])\s*`)
	// testerTalk is how the course's tests and test machines are spoken of: "the seed" is the
	// Python tutorial the course is ported from (`seed_db`, the command, is the learner's).
	testerTalk = regexp.MustCompile(`(?i)\bfloor\b|\bthe seed\b|\bseed's\b|\bstand-ins?\b|\be2e\b|\bend-to-end\b|\b(the|our|these|its|their) tests\b|\brecorded by\b|\btest log\b|\bmake test\b|^#+ Tests\s*$`)
)

// errorAlternation is every error word, for errorWords and errorMessage.
const errorAlternation = `errors?|fail|fails|failed|failure|failing|denied|not found|no such|refused|cannot|can't|could not|couldn't|unknown|invalid|undefined|incompatible|unable|timed? ?out|timeouts?|deadline|exceeded|did not answer|not allowed|exited|panic|panicked|does not exist|not exist|permission|warning|exit code|exit status|killed|missing|required|already in use|already allocated|already exists|in use|unhealthy|reset by peer|broken pipe|EOF|conflict|aborted|unavailable|unreachable|no route|not ready|bad gateway|out of memory|OOM|rejected|forbidden|unauthorized`

// lessonDocs are the pages besides the stage READMEs that a learner reads.
var lessonDocs = []string{"docs/README.md", "docs/troubleshooting.md", "docs/profiling.md",
	"docs/waiting-for-the-database.md", "docs/cleanup.md"}

// evidence is what a page may quote and whose figures it may give: the captures and
// docs/benchmarks.md, each squashed (white space runs made one space).
type evidence struct {
	text    string
	figures map[string][]string // unit -> every number given with it
}

func newEvidence(texts ...string) evidence {
	var b strings.Builder
	for _, t := range texts {
		b.WriteString(squash(t) + "\n")
	}
	e := evidence{text: b.String(), figures: map[string][]string{}}
	for _, m := range figure.FindAllStringSubmatch(e.text, -1) {
		u := unitOf(m[3])
		e.figures[u] = append(e.figures[u], m[2])
	}
	for _, m := range spreadFigure.FindAllStringSubmatch(e.text, -1) {
		u := unitOf(m[4])
		e.figures[u] = append(e.figures[u], m[1], m[2], m[3])
	}
	return e
}

// has reports whether the evidence holds s at word boundaries.
func (e evidence) has(s string) bool { return containsAtBoundaries(e.text, s) }

// backs reports whether the evidence gives the figure number+unit; a hedged figure may round
// a measured one to its own precision, given with two significant digits or more.
func (e evidence) backs(number, unit string, hedged bool) bool {
	want, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return false
	}
	places := 0
	if _, frac, ok := strings.Cut(number, "."); ok {
		places = len(frac)
	}
	for _, have := range e.figures[unit] {
		if have == number {
			return true
		}
	}
	if !hedged || significant(number) < 2 {
		return false // rounding to one digit would find almost any figure
	}
	round := func(v float64) string { return strconv.FormatFloat(v, 'f', places, 64) }
	for u, values := range e.figures {
		scale := 1.0
		if u != unit {
			from, ok1 := seconds[u]
			to, ok2 := seconds[unit]
			if !ok1 || !ok2 {
				continue
			}
			scale = from / to
		}
		for _, have := range values {
			if v, err := strconv.ParseFloat(have, 64); err == nil && round(v*scale) == round(want) {
				return true
			}
		}
	}
	return false
}

// significant is how many significant digits a number is given with: 2 in "5.0", "0.42" and
// "10", 1 in "5" and "0.2".
func significant(number string) int {
	digits := strings.TrimLeft(strings.Replace(number, ".", "", 1), "0")
	return len(digits)
}

func truth(root string, course []stage, list listFiles) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	captures, err := readCaptures(root)
	if err != nil {
		return nil, err
	}
	benchmarks, err := os.ReadFile(filepath.Join(root, benchmarksPage))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err == nil {
		if p := benchmarksWritten(benchmarks); p != "" {
			add("%s:%s", benchmarksPage, p)
		}
	}
	texts := []string{string(benchmarks)}
	for _, name := range slices.Sorted(maps.Keys(captures)) {
		texts = append(texts, captures[name])
	}
	ev := newEvidence(texts...)

	// Markers, and the captures each page shows.
	shows := map[string]string{} // capture folder -> the page that shows it
	for _, s := range course {
		shows[s.Dir] = filepath.Join(s.Dir, "README.md")
	}
	for page, dir := range pages {
		shows[dir] = page
	}
	shown := map[string]bool{} // "<folder>/<name>"
	for dir, page := range shows {
		text, err := os.ReadFile(filepath.Join(root, page))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		filled := section.FindAllSubmatchIndex(text, -1)
		for _, m := range anyMarker.FindAllIndex(text, -1) {
			ok := slices.ContainsFunc(filled, func(f []int) bool { return f[0] == m[0] })
			if !ok {
				add("%s:%d: %s is never filled: it needs a closing <!-- /stages --> and a name of a-z, 0-9, _ and -",
					page, lineAt(text, m[0]), text[m[0]:m[1]])
			}
		}
		for _, f := range filled {
			if string(text[f[4]:f[5]]) == "capture" {
				shown[dir+"/"+string(text[f[6]:f[7]])] = true
			}
		}
	}
	for name := range captures {
		dir, file := filepath.Split(name)
		key := strings.TrimSuffix(filepath.Join(dir, file), ".txt")
		if rest, isFloor := strings.CutPrefix(key, "floor/"); isFloor {
			if _, ok := captures[rest+".txt"]; !ok {
				add("%s/%s: a floor capture with no current one (%s/%s.txt): delete it, or run make docs", capturedDir, name, capturedDir, rest)
			}
			continue
		}
		page, known := shows[filepath.Dir(key)]
		switch {
		case !known:
			add("%s/%s: no stage or page has the folder %s: move it, or delete it", capturedDir, name, filepath.Dir(key))
		case !shown[key]:
			add("%s/%s: no page shows it: add <!-- stages:capture %s --><!-- /stages --> to %s, or delete the capture and its test",
				capturedDir, name, filepath.Base(key), page)
		}
	}

	// Quotes, output blocks and figures in every page; quotes in comments.
	files, err := list(root)
	if err != nil {
		return nil, err
	}
	// A quote of a page's heading names a section: it is no output.
	headings := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			text, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				return nil, err
			}
			for _, h := range readPage(text).headings {
				h = strings.ToLower(h)
				headings[h] = true
				if before, _, ok := strings.Cut(h, ":"); ok { // "Stop, start again: the data stays"
					headings[before] = true
				}
			}
		}
	}
	for _, f := range files {
		path := filepath.Join(root, f)
		switch {
		case strings.HasSuffix(f, ".md") && f != benchmarksPage:
			text, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for _, p := range checkPage(text, ev, headings) {
				add("%s:%s", f, p)
			}
			if slices.Contains(lessonDocs, f) || (isStageFile(f, course) && filepath.Base(f) == "README.md") {
				for _, p := range testerTalkIn(text) {
					add("%s:%s", f, p)
				}
			}
		case commentStyle(f) != "" && (isStageFile(f, course) || strings.HasPrefix(f, "shared/")):
			style := commentStyle(f)
			text, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for i, line := range strings.Split(string(text), "\n") {
				_, comment, ok := strings.Cut(line, style)
				if !ok {
					continue
				}
				for _, q := range unfoundCommentQuotes(comment, ev) {
					add("%s:%d: the comment quotes %q, which no capture shows: quote a capture, or say it without quoting", f, i+1, q)
				}
			}
		}
	}
	slices.Sort(problems)
	return problems, nil
}

// benchmarksWritten returns what is wrong with docs/benchmarks.md as "line: problem", or "" when
// it is as make bench wrote it.
func benchmarksWritten(text []byte) string {
	rest, ok := bytes.CutPrefix(text, []byte(benchTitle+benchHeader))
	digest, body, found := bytes.Cut(rest, []byte(" -->\n"))
	if !ok || !found {
		return fmt.Sprintf("3: the page does not carry make bench's header (%s<hex> -->): only make bench writes it, run make bench", benchHeader)
	}
	sum := sha256.Sum256(body)
	if string(digest) != hex.EncodeToString(sum[:]) {
		return "3: the page was changed after make bench wrote it (its sha256 is not the one make bench wrote): only make bench writes it, run make bench"
	}
	return ""
}

// checkPage returns the problems of one page as "line: problem".
func checkPage(text []byte, ev evidence, headings map[string]bool) []string {
	var problems []string
	add := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%d: ", line)+fmt.Sprintf(format, args...))
	}
	page := readPage(text)
	for _, b := range page.blocks {
		if what := blockOutput(b); what != "" {
			add(b.line, "%s outside a capture marker: show a capture (<!-- stages:capture NAME -->), or, for what the learner types or a file, say so with the block's language (sh, yaml, tree…)", what)
		}
	}
	for _, p := range page.prose {
		for _, q := range quotesIn(p) {
			switch {
			case !readsAsOutput(q), headings[strings.ToLower(squash(q.text))]:
				continue // no output, or a section's name
			case !q.code && !errorWords.MatchString(q.text) && p.cites(q):
				continue // a page outside the course quoted, and linked in the same sentence
			}
			if !found(q.text, ev) {
				add(p.lineAt(q.at), "%s is quoted as output or an error, and no capture shows it: quote a capture, or show one", q.shown)
			}
		}
		for _, f := range figuresIn(p) {
			if !ev.backs(f.number, f.unit, f.hedged) {
				add(p.lineAt(f.at), "%q is a figure that neither %s nor a capture gives: give the measured one, or leave it out", f.shown, benchmarksPage)
			}
		}
	}
	slices.SortStableFunc(problems, func(a, b string) int { return lineOf(a) - lineOf(b) })
	return problems
}

func lineOf(problem string) int {
	n, _ := strconv.Atoi(problem[:strings.IndexByte(problem, ':')])
	return n
}

// languages are what a block may hold besides output: sh, the commands the learner types; a
// file's language; tree, a folder layout.
var languages = []string{"sh", "bash", "shell", "yaml", "yml", "dockerfile", "go", "sql", "ini",
	"diff", "mermaid", "haproxy", "dotenv", "tree", "make", "makefile"}

// blockOutput says what is wrong with a block written on a page (none of the generated
// sections), or "" when it holds no output.
func blockOutput(b block) string {
	switch {
	case b.lang == "":
		return "a block with no language (a bare fence, or indented), so a block of output,"
	case !slices.Contains(languages, b.lang):
		return fmt.Sprintf("a block of output (%s)", b.lang)
	case b.lang == "sh" || b.lang == "bash" || b.lang == "shell":
		if line, ok := notCommand(b.text); ok {
			return fmt.Sprintf("a line of output in a block of commands (%q)", line)
		}
	}
	return ""
}

// commands start a line of a sh block: what the pages have the learner type.
var commands = []string{"docker", "go", "curl", "cd", "sed", "printf", "echo", "make", "diff", "tr",
	"mv", "cp", "rm", "mkdir", "export", "unset", "set", "cat", "ls", "kill", "sleep", "psql",
	"sh", "bash", "git", "grep", "openssl", "chmod", "test", "wait", "time", "env", "head",
	"tail", "awk", "wc", "xargs", "while", "for", "until", "if", "then", "else", "elif", "fi",
	"do", "done", "case", "esac", "true", "false", "exit", "trap", "read", "command", "timeout",
	"jq", "open", "unzip", "tar", "ssh", "watch", "seq", "sort", "uniq", "find", "touch", "ln",
	"pg_isready", "hey", "wrk", "ab", "apt-get", "brew", "npm", "node", "gofmt", "shellcheck",
	"source", ".", "{", "}", "!", "[", "[[", "cosign", "printenv", "id", "whoami", "uname", "nc", "ss",
	"lsof", "netstat", "ps", "pkill", "stat", "du", "df", "realpath", "dirname", "basename",
	"tee", "less", "more", "base64", "sha256sum", "shasum", "date", "pwd", "umask", "ulimit",
	"exec", "eval", "return", "break", "continue", "local", "shift", "getopts", "type", "which",
	"ip", "iptables", "nsenter"}

// assignment is NAME=value before a command, or alone.
var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// assignmentEnd is where the word NAME=value at the start of line ends: at the first blank
// outside quotes and outside $(…).
func assignmentEnd(line string) int {
	depth := 0
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '(' && i > 0 && line[i-1] == '$':
			depth++
		case r == ')' && depth > 0:
			depth--
		case r == ' ' && depth == 0:
			return i
		}
	}
	return len(line)
}

// notCommand returns the first line of a sh block that starts with no command (a prompt, a
// line of output), and true; a line continued (\, |, &&, ||, an open quote) is one with the
// next.
func notCommand(text string) (string, bool) {
	var quote rune // the quote open at the end of the previous line
	continued := false
	for _, line := range strings.Split(text, "\n") {
		start := quote == 0 && !continued
		quote = openQuote(line, quote)
		trimmed := strings.TrimSpace(line)
		continued = quote == 0 && (strings.HasSuffix(trimmed, "\\") || strings.HasSuffix(trimmed, "|") ||
			strings.HasSuffix(trimmed, "&&") || strings.HasSuffix(trimmed, "||"))
		if !start || trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		word := strings.TrimLeft(trimmed, "( ")
		for assignment.MatchString(word) { // NAME=value command…, the value maybe $(…) or quoted
			word = strings.TrimSpace(word[assignmentEnd(word):])
		}
		first, _, _ := strings.Cut(word, " ")
		if word == "" || slices.Contains(commands, first) || strings.HasPrefix(first, "./") ||
			strings.HasPrefix(first, "/") || strings.HasPrefix(first, "../") || strings.HasPrefix(first, "$(") {
			continue
		}
		return trimmed, true
	}
	return "", false
}

// openQuote returns the shell quote left open at the end of line, given the one open at its
// start (0 for none).
func openQuote(line string, quote rune) rune {
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case r == quote:
			quote = 0
		case quote == 0 && r == '#':
			return 0 // a comment
		}
	}
	return quote
}

// A quote is quoted text in prose: text is what it says (the quote marks aside), shown how the
// page has it, at its offset in the prose.
type quote struct {
	text, shown string
	at, end     int  // the offsets of its opening mark and of what follows its closing one
	code        bool // a code span
}

// quoteMarks open and close a quote in prose; straight single quotes are told from
// apostrophes by what stands around them.
var quoteMarks = regexp.MustCompile(`"([^"]+)"|“([^”]+)”|‘([^’]+)’|(?:^|[\s(\[{—–-])'([^'\s](?:[^']*[^'\s])?)'(?:$|[\s.,;:!?)\]}—–-])`)

// quotesIn returns the code spans and the quotes of a prose block.
func quotesIn(p prose) []quote {
	var qs []quote
	for _, c := range p.code {
		qs = append(qs, quote{text: c.text, shown: "`" + c.text + "`", at: c.at, end: c.stop, code: true})
	}
	masked := p.masked()
	for _, m := range quoteMarks.FindAllStringSubmatchIndex(masked, -1) {
		for g := 2; g < len(m); g += 2 {
			if m[g] < 0 {
				continue
			}
			open := m[g] - 1 // a straight quote mark is one byte
			if g == 4 || g == 6 {
				open = m[g] - len("“")
			}
			t := p.text[m[g]:m[g+1]]
			qs = append(qs, quote{text: t, shown: strconv.Quote(t), at: open, end: m[g+1] + (m[g] - open)})
		}
	}
	sort.SliceStable(qs, func(i, j int) bool { return qs[i].at < qs[j].at })
	return qs
}

// outputShape is text shaped like a program's output or answer: a JSON object, an HTTP status
// line, "name: value", a container's state.
var outputShape = regexp.MustCompile(`^\{".*|^HTTP/\d|^\S+: \S|\b(Started|Created|Healthy|Running|Removed|Stopped|Exited)\b`)

// readsAsOutput reports whether a quote is to be found in a capture: one with an error word,
// or a quote of three words or more that is no command; a code span that is not a command
// nor code and holds an error word, or is three words or more in output's shape. A command or code that holds an error word
// after a colon ("exec /entrypoint.sh: no such file…", "undefined: sqlite3.Error") or says
// "exit code 137" is a message, not what the learner types.
func readsAsOutput(q quote) bool {
	words := strings.Fields(q.text)
	if len(words) == 0 {
		return false
	}
	message := errorMessage.MatchString(q.text)
	if isCommand(words) && !message {
		return false
	}
	if q.code {
		if len(words) == 1 && !strings.ContainsAny(words[0], "()") && (errorWords.MatchString(words[0]) || state.MatchString(words[0])) && !isIdentifier(words[0]) {
			return true // `unhealthy`, `EOF`, `Healthy`
		}
		if len(words) == 1 {
			return false
		}
		return message || !looksLikeCode(q.text) && (errorWords.MatchString(q.text) || len(words) >= 3 && outputShape.MatchString(q.text))
	}
	return errorWords.MatchString(q.text) || len(words) >= 3 || state.MatchString(q.text)
}

// state is a word a container's or a task's state is printed with: "Healthy", "Exited".
var state = regexp.MustCompile(`\b(Started|Created|Healthy|Running|Removed|Stopped|Exited|Starting|Stopping|Removing|Waiting|Recreated|Shutdown|Complete|Rejected)\b`)

// errorMessage is an error word after a colon, or an exit status: the shape of a message.
var errorMessage = regexp.MustCompile(`(?i):.*(?:^|[^\w-])(` + errorAlternation + `)(?:$|[^\w-])|\bexit (code|status) \d`)

// isCommand reports whether words start with a command or an option: what the learner types.
// One word alone is no command (`timeout` is a state, `docker` holds no error).
func isCommand(words []string) bool {
	if len(words) < 2 {
		return false
	}
	first := strings.TrimPrefix(words[0], "$")
	return slices.Contains(commands, first) || strings.HasPrefix(first, "-") || strings.HasPrefix(first, "./") ||
		assignment.MatchString(first) || strings.HasPrefix(first, "<!--")
}

// isIdentifier reports whether a word is a name in code or a setting (`on-failure`,
// `ErrNotFound`, `errors.Is`, `exit_code`) rather than something a program prints.
func isIdentifier(w string) bool {
	return strings.ContainsAny(w, "_.=:/-") || (strings.ToLower(w) != w && strings.ToUpper(w) != w)
}

// looksLikeCode is a code span that is code or a setting, not output: a call, an assignment,
// a YAML key, Go.
var looksLikeCode = regexp.MustCompile(`^\w+\(|:=|==|!=|\bfunc\b|\breturn\b|^[a-z_]+: |\$\{|\${`).MatchString

// found reports whether a quote is in the evidence, each of its parts when it is shortened.
func found(q string, ev evidence) bool {
	for _, part := range ellipsis.Split(q, -1) {
		part = squash(strings.Trim(part, " .,;:"))
		if len(part) >= 3 && !ev.has(part) {
			return false
		}
	}
	return true
}

// A figure is a time, a size, a rate or a percentage in prose.
type figureAt struct {
	shown, number, unit string
	hedged              bool
	at                  int
}

// figure is a number with a unit, hedged or not, standing alone: not the end of another
// number ("28.7 MB" holds no "8.7 MB"), nor of a name ("v1 s").
var figure = regexp.MustCompile(`(?:^|[^\w.,])((?:(?i:about|around|roughly|nearly|approximately|almost|some|under|over|below|above|within|up to|at most|at least|less than|more than)\s+|~\s?)?)(\d+(?:\.\d+)?|(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety)(?:\s|-))\s?(MB|MiB|GB|GiB|KB|kB|KiB|bytes|B|µs|us|ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hours?|req/s|requests/s|requests per second|%|percent)(?:$|[^\w/])`)

// approximation hedges a figure; a bound ("under 2 s") is not one, and is given exactly.
var approximation = regexp.MustCompile(`(?i)^(about|around|roughly|nearly|approximately|almost|some|~)`)

// spelled are the numbers a page may write in words.
var spelled = map[string]string{"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
	"seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
	"twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90"}

// seconds is how many seconds a unit of time is: a hedged time may round one given in another
// unit ("about two minutes" is backed by "123.3 s").
var seconds = map[string]float64{"µs": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600}

// spreadFigure is how docs/benchmarks.md gives a figure: its median, then its lowest and highest
// in brackets, then the unit: "4.78 (4.75–4.80) s".
var spreadFigure = regexp.MustCompile(`(\d+(?:\.\d+)?) \((\d+(?:\.\d+)?)–(\d+(?:\.\d+)?)\) ?(MB|MiB|GB|GiB|kB|KiB|ms|µs|s|req/s|%)(?:$|[^\w/])`)

// unitOf is the unit a figure is compared in: "second" and "s" are one.
func unitOf(u string) string {
	switch {
	case u == "s" || strings.HasPrefix(u, "sec"):
		return "s"
	case u == "ms" || strings.HasPrefix(u, "milli"):
		return "ms"
	case u == "us" || u == "µs":
		return "µs"
	case strings.HasPrefix(u, "min"):
		return "min"
	case u == "h" || strings.HasPrefix(u, "hour"):
		return "h"
	case u == "kB" || u == "KB":
		return "kB"
	case strings.HasPrefix(u, "req"):
		return "req/s"
	case u == "%" || u == "percent":
		return "%"
	case u == "B" || u == "bytes":
		return "B"
	}
	return u
}

// figuresIn returns the figures of a prose block, code spans aside.
func figuresIn(p prose) []figureAt {
	var fs []figureAt
	masked := p.masked()
	for _, m := range figure.FindAllStringSubmatchIndex(masked, -1) {
		if p.inCode(m[4]) {
			continue
		}
		start := m[2]
		if m[2] == m[3] {
			start = m[4]
		}
		end := m[7]
		number := strings.TrimSpace(strings.TrimSuffix(p.text[m[4]:m[5]], "-"))
		if n, ok := spelled[strings.ToLower(number)]; ok {
			number = n
		}
		fs = append(fs, figureAt{shown: p.text[start:end], number: number, unit: unitOf(p.text[m[6]:m[7]]),
			hedged: approximation.MatchString(p.text[m[2]:m[3]]), at: start})
	}
	return fs
}

// written returns a page's lines with those of its generated sections (markers included)
// blanked, so that line numbers stay the page's.
func written(text []byte) []string {
	lines := strings.Split(string(text), "\n")
	generated := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "<!-- stages:"):
			generated = true
		case trimmed == "<!-- /stages -->":
			generated = false
		case !generated:
			continue
		}
		lines[i] = ""
	}
	return lines
}

// testerTalkIn returns the lines of a learner's page, generated sections aside, that speak
// of how the course is tested, as "line: problem".
func testerTalkIn(text []byte) []string {
	var problems []string
	for i, line := range written(text) {
		if m := testerTalk.FindString(line); m != "" {
			problems = append(problems, fmt.Sprintf("%d: %q speaks of how the course is tested, on a learner's page: say what the learner types and sees, and put what contributors need in docs/testing.md", i+1, m))
		}
	}
	return problems
}

// unfoundCommentQuotes returns the quotes in a source file's comment that look like error
// messages and are in no capture.
func unfoundCommentQuotes(text string, ev evidence) []string {
	var missing []string
	for _, m := range commentQuoted.FindAllStringSubmatch(text, -1) {
		q := m[1] + m[2] + m[3]
		if errorWords.MatchString(q) && !found(q, ev) {
			missing = append(missing, q)
		}
	}
	return missing
}

// containsAtBoundaries reports whether s is in text with no word character glued to either
// end (where that end of s is a word character itself).
func containsAtBoundaries(text, s string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], s)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(s)
		if (!isWordByte(s[0]) || i == 0 || !isWordByte(text[i-1])) &&
			(!isWordByte(s[len(s)-1]) || end == len(text) || !isWordByte(text[end])) {
			return true
		}
		from = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// readCaptures returns every capture's text, keyed by its path below capturedDir.
func readCaptures(root string) (map[string]string, error) {
	captures := map[string]string{}
	dir := filepath.Join(root, capturedDir)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		captures[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if os.IsNotExist(err) {
		return captures, nil
	}
	return captures, err
}

// commentStyle is what starts a comment in file, or "" for a file whose comments are not
// checked.
func commentStyle(file string) string {
	base := filepath.Base(file)
	switch {
	case filepath.Ext(base) == ".go":
		return "//"
	case strings.HasPrefix(base, "Dockerfile"), base == ".dockerignore",
		slices.Contains([]string{".sh", ".yaml", ".yml", ".template"}, filepath.Ext(base)):
		return "#"
	}
	return ""
}

func isStageFile(file string, course []stage) bool {
	return slices.ContainsFunc(course, func(s stage) bool { return strings.HasPrefix(file, s.Dir+"/") })
}

// squash collapses every run of white space to one space, so that a quote wrapped over two
// lines of a page still matches the capture.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func lineAt(text []byte, offset int) int { return bytes.Count(text[:offset], []byte("\n")) + 1 }
