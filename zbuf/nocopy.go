package zbuf

// noCopy makes go vet's copylocks check report copies of the struct that
// embeds it: a copied Pool would share its free lists with the original
// while each believed it owned them.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
