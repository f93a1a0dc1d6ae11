package config

// chunked is an append-only array kept in chunks of chunkLen elements, for
// the keys and the list elements of a Config, which can number millions.
// Growing it never copies: a slice that doubles holds its old and its new
// array at once, three times what it needs, and leaves the old one as
// garbage. Here the room to spare is at most one chunk. The first chunk
// starts at the size reserve asks for and doubles up to chunkLen, so that
// a small file allocates one small chunk.
type chunked[T any] struct {
	chunks [][]T // each chunkLen long (their len is their cap), but a first one that is shorter
	n      int   // elements in use
}

const (
	chunkBits = 12
	chunkLen  = 1 << chunkBits
	chunkMask = chunkLen - 1
)

// reserve sizes the first chunk for n elements, up to chunkLen. It does
// nothing once there is a second chunk.
func (a *chunked[T]) reserve(n int) {
	n = min(max(n, 16), chunkLen)
	switch {
	case len(a.chunks) == 0:
		a.chunks = [][]T{make([]T, n)}
	case len(a.chunks) == 1 && len(a.chunks[0]) < n:
		a.growFirst(n)
	}
}

func (a *chunked[T]) len() int { return a.n }

// at returns element i, which must be below len.
func (a *chunked[T]) at(i int) *T { return &a.chunks[i>>chunkBits][i&chunkMask] }

// push appends v and returns its index.
func (a *chunked[T]) push(v T) int {
	k, j := a.n>>chunkBits, a.n&chunkMask
	switch {
	case k == len(a.chunks):
		a.addChunk()
	case j == len(a.chunks[k]): // the short first chunk is full
		a.growFirst(min(2*j, chunkLen))
	}
	a.chunks[k][j] = v
	a.n++
	return a.n - 1
}

func (a *chunked[T]) addChunk() {
	size := chunkLen
	if len(a.chunks) == 0 {
		size = 16
	}
	a.chunks = append(a.chunks, make([]T, size))
}

// growFirst gives the first chunk room for n elements.
func (a *chunked[T]) growFirst(n int) {
	bigger := make([]T, n)
	copy(bigger, a.chunks[0])
	a.chunks[0] = bigger
}

// truncate drops the elements from n on; their room is kept for the next
// ones.
func (a *chunked[T]) truncate(n int) { a.n = n }
