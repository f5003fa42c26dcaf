// Package spacetest holds the space files that the tests of several packages share (search's
// and cmd/attnsearch's: a tiny study, a shrunken supernet study), so that each is written once.
// A file's leading comment says what its verbs (%[n]s) are; each test fills them in with its
// differences. Only tests import this package.
package spacetest
