package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestREADMESnippetIsTheExample: the README's "Using it" snippet is
// package endian's Example, which go test runs: its imports, then its
// body, one tab less indented.
func TestREADMESnippetIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## Using it\n\n```go\n")
	snippet, _, closed := strings.Cut(after, "```\n")
	if !ok || !closed {
		t.Fatal("README.md has no Go block under \"## Using it\"")
	}
	const path = "../../endian/example_frame_test.go"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var imports, body string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				imports = string(src[fset.Position(d.Pos()).Offset:fset.Position(d.End()).Offset])
			}
		case *ast.FuncDecl:
			if d.Name.Name == "Example" {
				inner := string(src[fset.Position(d.Body.Lbrace).Offset+2 : fset.Position(d.Body.Rbrace).Offset])
				for line := range strings.Lines(inner) {
					body += strings.TrimPrefix(line, "\t")
				}
			}
		}
	}
	if body == "" {
		t.Fatalf("%s has no func Example", path)
	}
	want := imports + "\n\n" + body
	if snippet != want {
		t.Fatalf("README.md's snippet differs from %s's Example:\n--- README\n%s--- Example\n%s", path, snippet, want)
	}
	t.Logf("README snippet: %d lines, the same as the Example's", strings.Count(snippet, "\n"))
}
