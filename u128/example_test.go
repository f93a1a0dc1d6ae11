package u128_test

import (
	"fmt"

	"github.com/release-daemon/release/u128"
)

func Example() {
	a := u128.From64(1 << 63)
	b := a.Mul64(6) // 3 * 2^64
	fmt.Println(b, b.Hi, b.Lo)
	q, r := b.QuoRem64(10)
	fmt.Println(q, r)
	// Output:
	// 55340232221128654848 3 0
	// 5534023222112865484 8
}

func ExampleUint128_AddOverflow() {
	sum, overflow := u128.Max.AddOverflow(u128.From64(2))
	fmt.Println(sum, overflow)
	// Output: 1 true
}

func ExampleUint128_Format() {
	v := u128.New(0xcafe, 0xbeef)
	fmt.Printf("%d\n%#x\n%40X|\n%-12d|\n", v, v, v, u128.From64(42))
	// Output:
	// 901658403578849173490430
	// 0xbeef000000000000cafe
	//                     BEEF000000000000CAFE|
	// 42          |
}

func ExampleParse() {
	v, err := u128.Parse("340282366920938463463374607431768211455", 10)
	fmt.Println(v == u128.Max, err)
	v, err = u128.Parse("0x_dead_beef", 0)
	fmt.Println(v, err)
	_, err = u128.Parse("340282366920938463463374607431768211456", 10)
	fmt.Println(err)
	// Output:
	// true <nil>
	// 3735928559 <nil>
	// u128.Parse: parsing "340282366920938463463374607431768211456": value out of range
}

func ExampleUint128_Append() {
	buf := make([]byte, 0, 64)
	buf = append(buf, "id="...)
	buf = u128.Max.Append(buf, 16)
	fmt.Println(string(buf))
	// Output: id=ffffffffffffffffffffffffffffffff
}

func ExampleFromBig() {
	v, fits := u128.FromBig(u128.Max.Big())
	fmt.Println(v, fits)
	// Output: 340282366920938463463374607431768211455 true
}
