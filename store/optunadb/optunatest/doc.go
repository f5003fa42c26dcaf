// Package optunatest gives tests Optuna: Debian's /usr/bin/python3 with python3-optuna. A test
// that cannot import optuna skips with the reason, unless the environment variable CI is set:
// then it fails, so that CI never passes by skipping.
package optunatest
