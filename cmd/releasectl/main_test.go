package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/ctlwire"
)

// fakeDaemon answers every control request with OK and the request itself
// as Data, on a socket in a fresh directory.
func fakeDaemon(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "ctl")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c := frame.New(nc)
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			if b, err := c.Read(); err == nil {
				resp, _ := ctlwire.ResponseCodec{}.Append(nil, ctlwire.Response{OK: true, Data: json.RawMessage(b)})
				c.Write(resp)
			}
			c.Close()
		}
	}()
	return sock
}

// releasectl builds the command once per test.
func releasectl(t *testing.T) func(args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "releasectl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
}

// TestFlagsAfterCommand: flags may come after the command's words, and
// "--" ends them; every spelling sends the same request.
func TestFlagsAfterCommand(t *testing.T) {
	sock := fakeDaemon(t)
	run := releasectl(t)
	cases := []struct {
		args []string
		want ctlwire.Request
	}{
		{[]string{"-socket", sock, "-json", "status"}, ctlwire.Request{Cmd: "status"}},
		{[]string{"status", "-json", "-socket", sock}, ctlwire.Request{Cmd: "status"}},
		{[]string{"-json", "broadcast", "hello", "-socket", sock, "there"}, ctlwire.Request{Cmd: "broadcast", Arg: "hello there"}},
		{[]string{"-socket", sock, "-json", "broadcast", "--", "-json", "x"}, ctlwire.Request{Cmd: "broadcast", Arg: "-json x"}},
	}
	for _, c := range cases {
		out, errOut, code := run(c.args...)
		var resp ctlwire.Response
		var got ctlwire.Request
		if code != 0 || json.Unmarshal([]byte(out), &resp) != nil || json.Unmarshal(resp.Data, &got) != nil {
			t.Fatalf("releasectl %q: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
		if got != c.want {
			t.Errorf("releasectl %q sent %+v, want %+v", c.args, got, c.want)
		}
	}
	t.Logf("%d spellings, each sent the request it meant", len(cases))
}

// TestNoCommandPrintsUsage: no command is a usage error, exit 2, with the
// usage (and nothing else) on stderr; -h prints it on stdout and exits 0.
func TestNoCommandPrintsUsage(t *testing.T) {
	run := releasectl(t)
	out, errOut, code := run()
	if code != 2 || out != "" || !strings.HasPrefix(errOut, "usage: releasectl") {
		t.Fatalf("releasectl without arguments: exit %d, stdout %q, stderr %q; want exit 2 and the usage on stderr", code, out, errOut)
	}
	out, _, code = run("-h")
	if code != 0 || !strings.HasPrefix(out, "usage: releasectl") {
		t.Fatalf("releasectl -h: exit %d, stdout %q; want exit 0 and the usage on stdout", code, out)
	}
	_, errOut, code = run("-socket", "/nonexistent", "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("releasectl frobnicate: exit %d, stderr %q; want exit 2 naming the command", code, errOut)
	}
	t.Logf("no command: exit %d, %d bytes of usage on stderr", 2, len(errOut))
}
