package fastmath

// adam4 runs AdamUpdate's arithmetic on th, grad, m, v for 4·blocks elements.
//
//go:noescape
func adam4(th *float32, grad, m, v *float64, blocks int, k *Adam)

// adamSIMD is AdamUpdate in 4-lane blocks; it returns how many elements it did.
func adamSIMD(th []float32, g, m, v []float64, k *Adam) int {
	blocks := len(th) / 4
	if blocks > 0 {
		adam4(&th[0], &g[0], &m[0], &v[0], blocks, k)
	}
	return blocks * 4
}
