package proc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/release-daemon/release/proc/sandbox"
)

// TestSandboxLearns: a worker under "action learn" makes an internet
// socket and maps code, both allowed; once it has exited, the master
// reports a SandboxLearned event whose policy has inet and prot_exec,
// and which, compiled, is a valid spec.
func TestSandboxLearns(t *testing.T) {
	answers := make(chan []string, 2)
	handler := func(ctx context.Context, p Peer) error {
		var got []string
		for _, cmd := range []string{"socket", "mprotect_exec"} {
			ans, err := sandboxCall(ctx, p.Conn, cmd)
			if err != nil {
				return err
			}
			got = append(got, ans)
		}
		answers <- got
		return p.Conn.Write([]byte("exit"))
	}
	w := testWorker(t, "worker-sandboxed", 1, handler)
	w.Sandbox, w.Restart = "stdio; action learn", Temporary
	learned := make(chan *SandboxPolicy, 2)
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second,
		Events: func(e Event) {
			if p, ok := errors.AsType[*SandboxPolicy](e.Err); ok && e.Kind == SandboxLearned {
				learned <- p
			}
		}}
	stop, _ := runMaster(t, m)
	defer stop()
	var p *SandboxPolicy
	select {
	case p = <-learned:
	case <-time.After(30 * time.Second):
		t.Fatal("no SandboxLearned event within 30 s")
	}
	got := <-answers
	if got[0] != "ok" || got[1] != "ok" {
		t.Errorf("under action learn: socket %q, mprotect(PROT_EXEC) %q; want both ok", got[0], got[1])
	}
	if p.Spec.Promises&(sandbox.Inet|sandbox.ProtExec) != sandbox.Inet|sandbox.ProtExec {
		t.Errorf("learned %q: want inet and prot_exec", p.Spec)
	}
	if _, err := sandbox.Compile(p.Spec); err != nil {
		t.Errorf("learned %q: %v", p.Spec, err)
	}
	t.Logf("learned: %v", p)
}
