// Package benchtrial is the unit of work of the storage benchmarks: one trial written the way a
// worker writes it (create, five parameters, ten intermediate values, value, complete). The bbolt
// store's benchmarks and the side-by-side benchmark modules under store/ share it, so that their
// trials/s figures measure the same writes.
package benchtrial
