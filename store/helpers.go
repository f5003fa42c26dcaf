package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/c-bata/goptuna"
)

// GeneratedStudyName returns a new random study name with goptuna's "no-name-" prefix, for a
// study created without one.
func GeneratedStudyName() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	return goptuna.DefaultStudyNamePrefix + hex.EncodeToString(u[:]), nil
}

// ParamDistJSON returns the JSON of the distribution of ft's parameter name, as both back ends
// store it.
func ParamDistJSON(ft goptuna.FrozenTrial, name string) (string, error) {
	d, ok := ft.Distributions[name]
	if !ok {
		return "", fmt.Errorf("distribution of param %q is not found", name)
	}
	js, err := goptuna.DistributionToJSON(d)
	if err != nil {
		return "", fmt.Errorf("param %q: %w", name, err)
	}
	return string(js), nil
}
