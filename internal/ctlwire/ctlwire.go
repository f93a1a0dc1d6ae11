// Package ctlwire is the control protocol that examples/echod and
// cmd/releasectl share: one JSON request per frame, one JSON response per
// frame, on a proc.ControlSocket. Any language can speak it: a 4-byte
// big-endian length, then the JSON.
package ctlwire

import (
	"encoding/json"

	"github.com/release-daemon/release/frame"
)

// Request is a control command: status, reload, broadcast (with Arg) or
// stop.
type Request struct {
	Cmd string `json:"cmd"`
	Arg string `json:"arg,omitempty"`
}

// Response is the answer: OK, or an Error, and the command's Data.
type Response struct {
	OK    bool            `json:"ok"`
	Error string          `json:"error,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Status is the Data of a status command.
type Status struct {
	PID      int            `json:"pid"`
	Uptime   string         `json:"uptime"`
	Restarts int            `json:"restarts"`
	Requests int64          `json:"requests"`
	Workers  []WorkerStatus `json:"workers"`
}

// WorkerStatus is one worker in a Status.
type WorkerStatus struct {
	PID      int    `json:"pid"`
	Uptime   string `json:"uptime"`
	Requests int64  `json:"requests"`
}

// Codecs for both directions.
type (
	RequestCodec  = frame.JSON[Request]
	ResponseCodec = frame.JSON[Response]
)
