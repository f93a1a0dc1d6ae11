package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedIdentifiersHaveDocs parses every non-test file of the
// module's library packages (not the bench module, not package main) and
// names each exported identifier without a doc comment. A line comment
// counts, and a constant or variable in a documented group is documented
// by the group.
func TestExportedIdentifiersHaveDocs(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files, missing int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		files++
		for _, u := range undocumented(f) {
			rel, _ := filepath.Rel(root, fset.Position(u.pos).Filename)
			t.Errorf("%s:%d: %s has no doc comment", rel, fset.Position(u.pos).Line, u.what)
			missing++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d files parsed under %s: the walk is broken", files, root)
	}
	t.Logf("%d files, %d exported identifiers without a doc comment", files, missing)
}

type gap struct {
	pos  token.Pos
	what string
}

// undocumented returns the exported identifiers of f without a doc.
func undocumented(f *ast.File) []gap {
	var gaps []gap
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && d.Doc == nil && exportedRecv(d) {
				gaps = append(gaps, gap{d.Pos(), "func " + d.Name.Name})
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				gaps = append(gaps, undocumentedSpec(d, spec)...)
			}
		}
	}
	return gaps
}

// exportedRecv reports whether d is a function, or a method of an
// exported type.
func exportedRecv(d *ast.FuncDecl) bool {
	if d.Recv == nil {
		return true
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return true
		}
	}
}

func undocumentedSpec(d *ast.GenDecl, spec ast.Spec) []gap {
	var gaps []gap
	switch s := spec.(type) {
	case *ast.TypeSpec:
		if !s.Name.IsExported() {
			return nil
		}
		if s.Doc == nil && s.Comment == nil && d.Doc == nil {
			gaps = append(gaps, gap{s.Pos(), "type " + s.Name.Name})
		}
		var fields *ast.FieldList
		switch x := s.Type.(type) {
		case *ast.StructType:
			fields = x.Fields
		case *ast.InterfaceType:
			fields = x.Methods
		}
		if fields == nil {
			return gaps
		}
		for _, f := range fields.List {
			for _, n := range f.Names {
				if n.IsExported() && f.Doc == nil && f.Comment == nil {
					gaps = append(gaps, gap{n.Pos(), s.Name.Name + "." + n.Name})
				}
			}
		}
	case *ast.ValueSpec:
		for _, n := range s.Names {
			if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
				gaps = append(gaps, gap{n.Pos(), n.Name})
			}
		}
	}
	return gaps
}
