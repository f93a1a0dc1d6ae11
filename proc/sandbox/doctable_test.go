package sandbox

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// tableRows are the rows of the documentation's call-by-call table:
// "baseline", then each promise.
func tableRows() []string { return append([]string{"baseline"}, promiseNames[:]...) }

// rowCalls are the calls row allows whatever their arguments, sorted.
func rowCalls(row string) []string {
	names := slices.Clone(baseline)
	if i := slices.Index(promiseNames[:], row); i >= 0 {
		names = slices.Clone(promiseCalls[i])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// rowChecked are the calls whose argument checks row adds or loosens,
// alone or beside any other promises, sorted.
func rowChecked(row string) []string {
	i := slices.Index(promiseNames[:], row)
	seen := map[string]bool{}
	if i < 0 {
		for n := range argRules(0) {
			seen[n] = true
		}
	}
	for base := range Promise(allPromises + 1) {
		if i < 0 {
			break
		}
		if base&(1<<i) != 0 {
			continue
		}
		with, without := argRules(base|1<<i), argRules(base)
		for n, c := range with {
			if old, ok := without[n]; !ok || !reflect.DeepEqual(old, c) {
				seen[n] = true
			}
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// docTable parses the table: for each row, its calls and checked calls.
func docTable(t *testing.T) (calls, checks map[string][]string) {
	_, table, ok := strings.Cut(string(docSource), "// # Promises, call by call\n")
	if !ok {
		t.Fatal("doc.go has no section \"Promises, call by call\"")
	}
	calls, checks = map[string][]string{}, map[string][]string{}
	row, col := "", ""
	for l := range strings.Lines(table) {
		rest, ok := strings.CutPrefix(l, "//\t")
		if !ok {
			if row != "" && strings.TrimSpace(l) == "//" {
				break // the table's end
			}
			continue
		}
		fields := strings.Fields(rest)
		if !strings.HasPrefix(rest, " ") {
			row, col, fields = fields[0], "calls", fields[1:]
		}
		for _, f := range fields {
			switch {
			case f == "checked:":
				col = "checked"
			case f == "paths:":
				col = "paths"
			case col == "calls":
				calls[row] = append(calls[row], f)
			case col == "checked":
				checks[row] = append(checks[row], f)
			}
		}
	}
	return calls, checks
}

// TestDocTable checks the documentation's call-by-call table against the
// baseline, the promises' calls and their argument checks: a call added
// to or removed from promises.go, baseline.go or args.go fails it until
// the table says the same. On a failure it prints the rows as they
// should read.
func TestDocTable(t *testing.T) {
	calls, checks := docTable(t)
	n := 0
	for _, row := range tableRows() {
		wantCalls, wantChecked := rowCalls(row), rowChecked(row)
		if !slices.Equal(calls[row], wantCalls) || !slices.Equal(checks[row], wantChecked) {
			t.Errorf("doc.go row %s:\n calls   %v\n checked %v\nwant\n calls   %v\n checked %v\nas\n%s",
				row, calls[row], checks[row], wantCalls, wantChecked, formatRow(row, wantCalls, wantChecked))
		}
		n += len(wantCalls) + len(wantChecked)
	}
	t.Logf("%d rows, %d calls: the table matches the rules", len(tableRows()), n)
}

// formatRow lays a row out as doc.go holds it, wrapped at 78 columns.
func formatRow(row string, calls, checked []string) string {
	var b strings.Builder
	line := "//\t" + row + strings.Repeat(" ", 11-len(row))
	add := func(w string) {
		if len(line)+1+len(w) > 78 {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = "//\t           "
		} else if !strings.HasSuffix(line, " ") {
			line += " "
		}
		line += w
	}
	for _, c := range calls {
		add(c)
	}
	if len(checked) > 0 {
		if len(calls) > 0 {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = "//\t           "
		}
		add("checked:")
		for _, c := range checked {
			add(c)
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}
