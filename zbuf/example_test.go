package zbuf_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/release-daemon/release/zbuf"
)

func Example() {
	b, err := zbuf.New(64) // capacity 64, length 0, off the Go heap
	if err != nil {
		panic(err)
	}
	defer b.Free() // the memory goes back to the Pool

	_ = b.AppendString("hello, world")
	fmt.Println(b.Len(), b.Cap(), b.String())
	fmt.Println(b.Index(','), b.At(7) == 'w')
	// Output:
	// 12 64 hello, world
	// 5 true
}

func ExampleBuffer_Sub() {
	b, _ := zbuf.FromString("hello, world")
	word := b.Sub(7, 5) // a view: the same memory, no copy
	_ = word.Set(0, 'W')
	fmt.Println(b.String(), word.String())

	_ = b.Free() // the view keeps the memory alive...
	fmt.Println(word.String())
	_ = word.Free() // ...until it is freed too
	fmt.Println(errors.Is(word.Free(), zbuf.ErrFreed))
	// Output:
	// hello, World World
	// World
	// true
}

func ExampleBlit() {
	b, _ := zbuf.FromString("abcdefgh")
	defer b.Free()
	_ = zbuf.Blit(b, 0, b, 2, 5) // overlapping ranges are fine
	fmt.Println(b.String())

	dst, _ := zbuf.New(8)
	defer dst.Free()
	_ = zbuf.Blit(b, 0, dst, 3, 2) // past the length: the gap reads as zero
	fmt.Printf("%q\n", dst.String())
	// Output:
	// ababcdeh
	// "\x00\x00\x00ab"
}

func ExamplePool() {
	p, err := zbuf.NewPool(zbuf.Config{MaxRetained: 8 << 20}) // zero fields mean defaults
	if err != nil {
		panic(err)
	}
	defer p.Close()

	b, _ := p.Get(50000) // from the 64 KiB class
	_ = b.Append(make([]byte, 50000))
	st := p.Stats()
	fmt.Println(st.Mappings, st.Mapped>>20, "MiB mapped,", st.InUse>>10, "KiB in use")

	_ = p.Put(b)
	st = p.Stats()
	fmt.Println(st.InUse, "in use,", st.Retained>>10, "KiB kept for the next Get")
	// Output:
	// 1 4 MiB mapped, 64 KiB in use
	// 0 in use, 64 KiB kept for the next Get
}

func ExampleMapFile() {
	path := filepath.Join(os.TempDir(), "zbuf-example.txt")
	_ = os.WriteFile(path, []byte("served without a copy\n"), 0o600)
	defer os.Remove(path)

	b, err := zbuf.MapFile(path)
	if err != nil {
		panic(err)
	}
	defer b.Free()
	fmt.Print(b.String())
	fmt.Println(errors.Is(b.Set(0, 'S'), zbuf.ErrReadOnly))
	// Output:
	// served without a copy
	// true
}

func ExampleReadFull() {
	r, w, _ := os.Pipe()
	defer r.Close()
	go func() {
		msg, _ := zbuf.FromString("ping")
		_ = zbuf.WriteAll(w, msg)
		_ = msg.Free()
		_ = w.Close()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	b, err := zbuf.ReadFull(ctx, r, 4)
	if err != nil {
		panic(err)
	}
	fmt.Println(b.String())
	_ = b.Free()

	_, err = zbuf.ReadFull(ctx, r, 4)
	fmt.Println(err == io.EOF)
	// Output:
	// ping
	// true
}

func ExampleReadOnce() {
	r, w, _ := os.Pipe()
	defer r.Close()
	_, _ = w.Write([]byte("abc"))
	_ = w.Close()

	buf, _ := zbuf.New(16)
	defer buf.Free()
	n, err := zbuf.ReadOnce(r, buf, 0, 16) // one read: as much as is there
	fmt.Println(n, err, buf.String())
	n, err = zbuf.ReadOnce(r, buf, buf.Len(), 13)
	fmt.Println(n, err)
	// Output:
	// 3 <nil> abc
	// 0 EOF
}

func ExampleConfig_secret() {
	keys, err := zbuf.NewPool(zbuf.Config{Secret: true}) // mlock, MADV_DONTDUMP, wipe on Free
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	k, err := keys.Get(32)
	if err != nil {
		panic(err) // mlock needs RLIMIT_MEMLOCK room
	}
	defer k.Free() // zeroes the key before the memory is reused
	_ = k.AppendString("0123456789abcdef0123456789abcdef")
}
