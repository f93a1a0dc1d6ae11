// Package bench compares Release for Go against the libraries a user would
// otherwise pick. It is a separate module so that those libraries never reach
// the users' go.sum. The figures, as ratios, are in RESULTS.md.
package bench
