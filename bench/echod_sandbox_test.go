package bench

import (
	"fmt"
	"testing"
)

// BenchmarkEchodSandbox is BenchmarkEchod's load (32 clients, 10,000
// lines each) on examples/echod with its workers sandboxed (its default:
// "stdio; unveil; best-effort", supervised by the master) and without
// (sandbox = false), in the same run: what the sandbox costs echod's
// lines/s. Run it with -count 8 and compare the medians.
func BenchmarkEchodSandbox(b *testing.B) {
	const clients, lines = 32, 10_000
	bytes := 0
	for c := range clients {
		for i := range lines {
			bytes += len(fmt.Sprintf("client %d line %d\n", c, i))
		}
	}
	for _, mode := range []string{"on", "off"} {
		b.Run("sandbox="+mode, func(b *testing.B) {
			addr := startEchod(b, map[string]string{"on": "", "off": "sandbox = false"}[mode])
			b.SetBytes(int64(bytes))
			b.ReportAllocs()
			loadLoop(b, addr, clients, lines)
		})
	}
}
