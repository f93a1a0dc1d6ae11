package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchSpec is the spec the benchmarks filter with: a network worker's.
const benchSpec = "stdio inet unix"

// mix is a busy Go server's calls, most frequent first, with a few
// refused ones; the interpreter benchmark cycles through it.
func mix() []seccompData {
	var ds []seccompData
	add := func(name string, times int, args ...uint64) {
		d := seccompData{nr: sysnums[name], arch: auditArch}
		copy(d.args[:], args)
		for range times {
			ds = append(ds, d)
		}
	}
	add("futex", 8)
	add("epoll_pwait", 6)
	add("read", 6)
	add("write", 6)
	add("nanosleep", 2)
	add("sched_yield", 2)
	add("tgkill", 1)
	add("mmap", 1, 0, 1<<20, unix.PROT_READ|unix.PROT_WRITE)
	add("madvise", 1)
	add("accept4", 1)
	add("setsockopt", 1)
	add("getsockname", 1)
	add("ioctl", 1, 0, fionread)
	add("openat", 1, 0, 0, unix.O_RDONLY) // refused
	add("ptrace", 1)                      // refused
	return ds
}

// BenchmarkFilterInterpreter runs the filter in the test's BPF
// interpreter over mix, in both layouts, and reports the instructions
// run per call: what the kernel would run without its cache of calls
// allowed whatever their arguments.
func BenchmarkFilterInterpreter(b *testing.B) {
	s, err := Parse(benchSpec)
	if err != nil {
		b.Fatal(err)
	}
	ds := mix()
	for _, lay := range []struct {
		name string
		l    layout
	}{{"tree", layoutTree}, {"linear", layoutLinear}} {
		b.Run(lay.name, func(b *testing.B) {
			prog, err := buildFilter(s.entries(), actionValue(s.Action), lay.l)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			steps, i := 0, 0
			for b.Loop() {
				_, n, err := runBPF(prog, &ds[i%len(ds)])
				if err != nil {
					b.Fatal(err)
				}
				steps += n
				i++
			}
			b.ReportMetric(float64(steps)/float64(i), "insns/call")
			b.ReportMetric(float64(len(prog)), "insns")
		})
	}
}

// helperLoop applies the filter of LOOP_SPEC in LOOP_LAYOUT (none, tree
// or linear) and makes LOOP_CALL LOOP_N times, then prints the elapsed
// nanoseconds.
func helperLoop() int {
	n, _ := strconv.Atoi(os.Getenv("LOOP_N"))
	pipe := make([]int, 2)
	if err := unix.Pipe2(pipe, unix.O_CLOEXEC); err != nil {
		return 6
	}
	zero, err := unix.Open("/dev/zero", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 6
	}
	var call func()
	buf := make([]byte, 1)
	switch os.Getenv("LOOP_CALL") {
	case "getpid":
		call = func() { unix.Getpid() }
	case "read-devzero":
		call = func() { unix.Read(zero, buf) }
	case "ioctl-fionread": // checked by the filter's arguments: never cached
		call = func() { unix.IoctlGetInt(pipe[0], fionread) }
	}
	if lay := os.Getenv("LOOP_LAYOUT"); lay != "none" {
		s, _ := Parse(os.Getenv(specEnv))
		l := map[string]layout{"tree": layoutTree, "linear": layoutLinear}[lay]
		f, err := buildFilter(s.entries(), actionValue(s.Action), l)
		if err != nil {
			return 7
		}
		if _, err := (&Program{Filter: f}).Apply(); err != nil {
			return 7
		}
	}
	start := time.Now()
	for range n {
		call()
	}
	fmt.Println(time.Since(start).Nanoseconds())
	return 0
}

// BenchmarkSyscallCost makes a system call b.N times in a child with no
// filter and with the filter of benchSpec in each layout, and reports the
// child's ns/call (ns/op also counts the child's start). getpid and read
// are allowed whatever their arguments, so the kernel's cache answers
// for them without running the filter; ioctl(FIONREAD) is checked on its
// arguments, so the filter runs every time.
func BenchmarkSyscallCost(b *testing.B) {
	for _, call := range []string{"getpid", "read-devzero", "ioctl-fionread"} {
		for _, lay := range []string{"none", "tree", "linear"} {
			b.Run(call+"/"+lay, func(b *testing.B) {
				r := runHelper(b, "loop", benchSpec, "LOOP_N="+strconv.Itoa(b.N), "LOOP_CALL="+call, "LOOP_LAYOUT="+lay)
				ns, err := strconv.ParseFloat(strings.TrimSpace(string(r.out)), 64)
				if err != nil || !r.status.Exited() || r.status.ExitStatus() != 0 {
					b.Fatalf("helper: %v (%q)", r, r.out)
				}
				b.ReportMetric(ns/float64(b.N), "ns/call")
			})
		}
	}
}
