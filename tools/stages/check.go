package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
)

// moduleLine is go.mod's first line, the one line every stage has its own of.
var moduleLine = regexp.MustCompile(`(?m)^module \S+$`)

// listFiles returns the files of a stage, relative to it. The caller decides which files
// count (git's view of the checkout, in main).
type listFiles func(dir string) ([]string, error)

// check compares each stage with the one before it and returns every difference outside
// the files the later stage declares. A fix made in one stage and not carried forward
// into the later ones shows up here, as does a lesson that touches undeclared files.
func check(root string, course []stage, list listFiles) ([]string, error) {
	var problems []string
	for i := 1; i < len(course); i++ {
		prev, next := course[i-1], course[i]
		prevFiles, nextFiles, all, err := pairFiles(root, prev, next, list)
		if err != nil {
			return nil, err
		}
		for _, file := range all {
			if slices.Contains(next.Changes, file) {
				continue
			}
			inPrev, inNext := slices.Contains(prevFiles, file), slices.Contains(nextFiles, file)
			switch {
			case !inNext:
				problems = append(problems, fmt.Sprintf("%s/%s is gone from %s, which does not declare it", prev.Dir, file, next.Dir))
			case !inPrev:
				problems = append(problems, fmt.Sprintf("%s/%s is new, but %s does not declare it", next.Dir, file, next.Dir))
			default:
				same, err := sameFile(filepath.Join(root, prev.Dir, file), filepath.Join(root, next.Dir, file))
				if err != nil {
					return nil, err
				}
				if !same {
					problems = append(problems, fmt.Sprintf("%s/%s differs from %s/%s, which %s does not declare: carry the change forward to every later stage, or declare it",
						next.Dir, file, prev.Dir, file, next.Dir))
				}
			}
		}
	}
	return problems, nil
}

// pairFiles lists the files of two stages, and all of them, both together, sorted once each.
func pairFiles(root string, prev, next stage, list listFiles) (prevFiles, nextFiles, all []string, err error) {
	if prevFiles, err = list(filepath.Join(root, prev.Dir)); err != nil {
		return nil, nil, nil, err
	}
	if nextFiles, err = list(filepath.Join(root, next.Dir)); err != nil {
		return nil, nil, nil, err
	}
	all = append(slices.Clone(prevFiles), nextFiles...)
	sort.Strings(all)
	return prevFiles, nextFiles, slices.Compact(all), nil
}

// sameFile reports whether two files are equal; go.mod files may differ in the module line.
func sameFile(a, b string) (bool, error) {
	da, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	db, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	if filepath.Base(a) == "go.mod" {
		da = moduleLine.ReplaceAll(da, []byte("module stage"))
		db = moduleLine.ReplaceAll(db, []byte("module stage"))
	}
	return bytes.Equal(da, db), nil
}
