package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/release-daemon/release/internal/ctlwire"
	"github.com/release-daemon/release/proc"
)

// control answers releasectl: status, reload (restart the workers one at
// a time; the answer comes once the new ones serve), upgrade (replace the
// master and its workers with the executable on disk: the answer is the
// upgrade's ID, once the new executable passed its check),
// upgrade-status, broadcast MSG (to every worker), stop.
func (st *state) control(stop context.CancelFunc) proc.ControlHandler {
	return func(ctx context.Context, peer proc.ControlPeer, req []byte) ([]byte, error) {
		r, err := ctlwire.RequestCodec{}.Decode(req)
		if err != nil {
			return nil, err // a bad request closes that client only
		}
		var data any
		switch r.Cmd {
		case "status":
			data = st.status(ctx)
		case "reload":
			if err := st.reload(ctx); err != nil {
				return answer(nil, err)
			}
		case "upgrade":
			id, err := proc.Upgrade(ctx)
			if err != nil {
				return answer(nil, err)
			}
			data = ctlwire.Upgrade{ID: id, State: "replacing", PID: os.Getpid()}
		case "upgrade-status":
			u := proc.Upgrades(ctx)
			data = ctlwire.Upgrade{ID: u.ID, State: u.State, Error: u.Err, Generation: u.Generation,
				Took: u.Took.String(), PID: os.Getpid()}
		case "broadcast":
			data = map[string]int{"sent": st.broadcast(r.Arg)}
		case "stop":
			stop()
		default:
			return answer(nil, fmt.Errorf("unknown command %q (status, reload, upgrade, upgrade-status, broadcast MSG, stop)", r.Cmd))
		}
		return answer(data, nil)
	}
}

// broadcast sends msg to every live worker and returns how many got it.
func (st *state) broadcast(msg string) int {
	st.mu.Lock()
	peers := st.peers
	st.mu.Unlock()
	if peers == nil {
		return 0
	}
	b, _ := json.Marshal(message{Type: "broadcast", Msg: msg})
	n := 0
	for _, p := range peers() {
		if p.Conn.Write(b) == nil {
			n++
		}
	}
	return n
}

func answer(data any, err error) ([]byte, error) {
	resp := ctlwire.Response{OK: err == nil}
	if err != nil {
		resp.Error = err.Error()
	}
	if data != nil {
		resp.Data, _ = json.Marshal(data)
	}
	return ctlwire.ResponseCodec{}.Append(nil, resp)
}
