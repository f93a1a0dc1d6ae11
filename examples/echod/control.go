package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/release-daemon/release/internal/ctlwire"
	"github.com/release-daemon/release/proc"
)

// control answers releasectl: status, reload (restart the workers one at
// a time; the answer comes once the new ones serve), broadcast MSG (to
// every worker), stop.
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
		case "broadcast":
			data = map[string]int{"sent": st.broadcast(r.Arg)}
		case "stop":
			stop()
		default:
			return answer(nil, fmt.Errorf("unknown command %q (status, reload, broadcast MSG, stop)", r.Cmd))
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
