package u128

// And returns u & v.
func (u Uint128) And(v Uint128) Uint128 { return Uint128{u.Lo & v.Lo, u.Hi & v.Hi} }

// Or returns u | v.
func (u Uint128) Or(v Uint128) Uint128 { return Uint128{u.Lo | v.Lo, u.Hi | v.Hi} }

// Xor returns u ^ v.
func (u Uint128) Xor(v Uint128) Uint128 { return Uint128{u.Lo ^ v.Lo, u.Hi ^ v.Hi} }

// Not returns ^u.
func (u Uint128) Not() Uint128 { return Uint128{^u.Lo, ^u.Hi} }

// Lsh returns u << n. As for Go's shifts, n >= 128 gives 0.
func (u Uint128) Lsh(n uint) Uint128 {
	if n >= 64 {
		// For n >= 128, n-64 >= 64 and the Go shift yields 0.
		return Uint128{0, u.Lo << (n - 64)}
	}
	return Uint128{u.Lo << n, u.Hi<<n | u.Lo>>(64-n)}
}

// Rsh returns u >> n. As for Go's shifts, n >= 128 gives 0.
func (u Uint128) Rsh(n uint) Uint128 {
	if n >= 64 {
		return Uint128{u.Hi >> (n - 64), 0}
	}
	return Uint128{u.Lo>>n | u.Hi<<(64-n), u.Hi >> n}
}
