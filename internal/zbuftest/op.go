package zbuftest

import "fmt"

// Kind names a Buffer operation.
type Kind uint8

// The operations. Comments give the meaning of an Op's fields; I and J
// are slots: indexes of buffers made by earlier steps, in order.
const (
	OpNew          Kind = iota // Pool.Get(A) (zbuf.New when the Harness has no Pool)
	OpMake                     // zbuf.Make(A, byte(B))
	OpFromString               // zbuf.FromString(string(Data))
	OpFromBytes                // zbuf.FromBytes(Data)
	OpAppendByte               // slot I: AppendByte(byte(B))
	OpAppend                   // slot I: Append(Data)
	OpAppendString             // slot I: AppendString(string(Data))
	OpWrite                    // slot I: Write(Data)
	OpAppendBuffer             // slot I: AppendBuffer(slot J)
	OpSet                      // slot I: Set(A, byte(B))
	OpAt                       // slot I: At(A)
	OpSub                      // slot I: Sub(A, B), a new slot
	OpBlit                     // zbuf.Blit(slot I, A, slot J, B, C)
	OpIndex                    // slot I: Index(byte(B))
	OpIndexFrom                // slot I: IndexFrom(A, byte(B))
	OpReset                    // slot I: Reset()
	OpWipe                     // slot I: Wipe()
	OpReadAt                   // slot I: ReadAt(make([]byte, B), A)
	OpFree                     // slot I: Free()
	numKinds
)

var kindNames = [...]string{"New", "Make", "FromString", "FromBytes", "AppendByte", "Append",
	"AppendString", "Write", "AppendBuffer", "Set", "At", "Sub", "Blit", "Index", "IndexFrom",
	"Reset", "Wipe", "ReadAt", "Free"}

// String returns the operation's name, "New", "Make", and so on.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Op is one step: an operation and its arguments.
type Op struct {
	Kind    Kind   // the operation
	I, J    int    // the slots it works on
	A, B, C int    // its integer arguments
	Data    []byte // its bytes
}

// String shows the operation and all of its arguments.
func (o Op) String() string {
	return fmt.Sprintf("%v(I=%d J=%d A=%d B=%d C=%d Data=%q)", o.Kind, o.I, o.J, o.A, o.B, o.C, o.Data)
}
