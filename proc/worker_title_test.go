package proc

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"testing"
)

// TestWorkerTitles: ps shows each worker by its name and slot, or by its
// Worker's Title, and its arguments after that; os.Executable in the worker
// is still the program.
func TestWorkerTitles(t *testing.T) {
	pids := make(chan int, 8)
	named := testWorker(t, "worker-upper", 2, upperHandler(pids))
	titled := testWorker(t, "worker-upper", 1, upperHandler(pids))
	titled.Name, titled.Title = "titled", "echod: worker process"
	m := &Master{Workers: []Worker{named, titled}, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	var got []string
	for _, pid := range waitPIDs(t, pids, 3) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			t.Fatal(err)
		}
		argv := bytes.Split(bytes.TrimSuffix(b, []byte{0}), []byte{0})
		if len(argv) != 2 || string(argv[1]) != "-test.run=^$" {
			t.Errorf("worker %d: command line %q, want its title, then -test.run=^$", pid, b)
		}
		got = append(got, string(argv[0]))
		exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		if want, _ := os.Executable(); exe != want {
			t.Errorf("worker %d runs %s, want %s", pid, exe, want)
		}
	}
	slices.Sort(got)
	want := []string{"echod: worker process", "worker-upper: worker 0", "worker-upper: worker 1"}
	if !slices.Equal(got, want) {
		t.Fatalf("workers' argv[0]: %q, want %q", got, want)
	}
	t.Logf("3/3 workers titled: %q", got)
}
