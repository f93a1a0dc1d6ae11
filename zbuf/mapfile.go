package zbuf

import (
	"os"

	"github.com/edsrzf/mmap-go"
)

// MapFile maps the file at path read-only (PROT_READ, MAP_SHARED) and
// returns it as a Buffer whose length and capacity are the file's size, for
// serving a file without copying it: hand the Buffer to [WriteAll], or copy
// out of it with [Buffer.ReadAt]. The file is closed before MapFile
// returns; the mapping lives until the Buffer and its views are freed. An
// empty file gives an empty Buffer that maps nothing.
//
// Every method that would write returns [ErrReadOnly]. If the file shrinks
// while mapped, reading the pages past its new end would kill the process
// with SIGBUS; the accessors (At, Index, IndexFrom, String, ReadAt, Blit,
// AppendBuffer) catch the fault and report [ErrFault] instead, and
// WriteAll returns an error wrapping ErrFault. Only a slice from
// [Buffer.Bytes] is unprotected. Growth of the file after mapping is not
// seen.
//
// The mapping counts in p's [Stats]; after [Pool.Close], MapFile returns
// [ErrClosed].
func (p *Pool) MapFile(path string) (Buffer, error) { return p.s.mapFile(path) }

func (s *state) mapFile(path string) (Buffer, error) {
	mm, err := mapPath(path)
	if err != nil || mm == nil {
		if err != nil {
			return Buffer{}, err
		}
		return s.getEmpty(&s.emptyRO)
	}
	s.count(mm)
	b := &block{mem: mm, kind: kindFile, ro: true, cls: &s.misc, mm: mm, pool: s}
	h, err := s.misc.takeHdr(int64(len(mm)), true)
	if err != nil {
		s.unmap(mm)
		return Buffer{}, err
	}
	if h == nil {
		h = s.newHdr()
	}
	buf := h.attach(b, len(mm))
	h.n = len(mm)
	return buf, nil
}

// mapPath maps the whole file at path read-only; it returns nil and no
// error for an empty file, which cannot be mapped.
func mapPath(path string) (mmap.MMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil, err
	}
	mm, err := mmap.Map(f, mmap.RDONLY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "mmap", Path: path, Err: err}
	}
	return mm, nil
}
