package main

import (
	"bytes"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// A page as a reader sees it, its generated sections aside (docs.go writes those from the
// captures and the stages' files): its code blocks, its prose, block by block, and the names
// of its sections (headings, and bold labels such as **Before you start:**).
type page struct {
	blocks   []block
	prose    []prose
	headings []string
}

// A block is a fenced or indented code block: its language ("" for none, or an indented
// block), its text, and the line it starts on.
type block struct {
	lang, text string
	line       int
}

// A prose block is the text of a paragraph, a heading or a table cell as it reads: soft line
// breaks are spaces, emphasis and links are their text, code spans their content.
type prose struct {
	text  string
	lines []int // the page's line of each byte of text
	code  []codeSpan
	links [][2]int // the text of each link to a page outside the course, as offsets
	bold  []string // the text of each strong emphasis (a label: **Before you start:**)
}

// A code span's content (white space squashed), and its offset in the prose.
type codeSpan struct {
	text     string
	at, stop int
}

func (p prose) lineAt(i int) int {
	if i >= len(p.lines) {
		i = len(p.lines) - 1
	}
	if i < 0 {
		return 0
	}
	return p.lines[i]
}

func (p prose) inCode(i int) bool {
	for _, c := range p.code {
		if i >= c.at && i < c.stop {
			return true
		}
	}
	return false
}

// masked is the prose with its code spans blanked (spaces), so that a quote mark or a number
// inside one is not read as prose, at the same offsets.
func (p prose) masked() string {
	b := []byte(p.text)
	for _, c := range p.code {
		for i := c.at; i < c.stop; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// readPage parses a page.
func readPage(src []byte) page {
	var generated [][]int
	for _, m := range section.FindAllIndex(src, -1) {
		generated = append(generated, m)
	}
	inGenerated := func(offset int) bool {
		for _, g := range generated {
			if offset >= g[0] && offset < g[1] {
				return true
			}
		}
		return false
	}
	starts := []int{0} // the offset of each line
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineOfOffset := func(offset int) int { return sort.Search(len(starts), func(i int) bool { return starts[i] > offset }) }

	var pg page
	doc := markdown.Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Kind() == ast.KindDocument {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock:
			at := n.Pos()
			if at < 0 || inGenerated(at) {
				return ast.WalkSkipChildren, nil
			}
			lang := ""
			if n.Info != nil {
				lang, _, _ = strings.Cut(strings.TrimSpace(string(n.Info.Segment.Value(src))), " ")
				lang = strings.ToLower(strings.Trim(lang, "{}."))
			}
			pg.blocks = append(pg.blocks, block{lang: lang, text: blockText(n, src), line: lineOfOffset(at)})
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock:
			at := n.Pos()
			if n.Lines().Len() > 0 {
				at = n.Lines().At(0).Start
			}
			if at < 0 || inGenerated(at) {
				return ast.WalkSkipChildren, nil
			}
			pg.blocks = append(pg.blocks, block{text: blockText(n, src), line: lineOfOffset(at)})
			return ast.WalkSkipChildren, nil
		}
		if n.Type() != ast.TypeBlock || n.FirstChild() == nil || n.FirstChild().Type() != ast.TypeInline {
			return ast.WalkContinue, nil
		}
		at := n.Pos()
		if n.Lines().Len() > 0 {
			at = n.Lines().At(0).Start
		}
		if inGenerated(at) {
			return ast.WalkSkipChildren, nil
		}
		var p prose
		collect(n, src, &p, lineOfOffset, lineOfOffset(at))
		if strings.TrimSpace(p.text) != "" {
			pg.prose = append(pg.prose, p)
		}
		if n.Kind() == ast.KindHeading {
			pg.headings = append(pg.headings, squash(p.text))
		}
		pg.headings = append(pg.headings, p.bold...)
		return ast.WalkSkipChildren, nil
	})
	return pg
}

func blockText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// collect appends the reader's text of n's inline children to p.
func collect(n ast.Node, src []byte, p *prose, lineOf func(int) int, line int) int {
	write := func(s string, l int) {
		p.text += s
		for range len(s) {
			p.lines = append(p.lines, l)
		}
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			line = lineOf(c.Segment.Start)
			write(string(c.Segment.Value(src)), line)
			if c.SoftLineBreak() || c.HardLineBreak() {
				write(" ", line)
			}
		case *ast.String:
			write(string(c.Value), line)
		case *ast.CodeSpan:
			if c.Pos() >= 0 {
				line = lineOf(c.Pos())
			}
			var b strings.Builder
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if t, ok := t.(*ast.Text); ok {
					b.Write(t.Segment.Value(src))
					b.WriteString(" ")
				}
			}
			content := squash(b.String())
			at := len(p.text)
			write(content, line)
			p.code = append(p.code, codeSpan{text: content, at: at, stop: len(p.text)})
		case *ast.AutoLink:
			write(string(c.URL(src)), line)
		case *ast.RawHTML:
			write(" ", line)
		case *ast.Emphasis:
			at := len(p.text)
			line = collect(c, src, p, lineOf, line)
			if c.Level == 2 {
				p.bold = append(p.bold, squash(strings.TrimRight(p.text[at:], ":. ")))
			}
		case *ast.Link:
			at := len(p.text)
			line = collect(c, src, p, lineOf, line)
			if bytes.HasPrefix(c.Destination, []byte("http")) {
				p.links = append(p.links, [2]int{at, len(p.text)})
			}
		default:
			line = collect(c, src, p, lineOf, line)
		}
	}
	return line
}

// cites reports whether the sentence a quote stands in links a page outside the course: the
// quote is that page's words.
func (p prose) cites(q quote) bool {
	masked := p.masked()
	start := strings.LastIndex(masked[:q.at], ". ") + 1
	end := len(masked)
	if i := strings.Index(masked[min(q.end, len(masked)):], ". "); i >= 0 {
		end = q.end + i
	}
	for _, l := range p.links {
		if l[1] > start && l[0] < end {
			return true
		}
	}
	return false
}
