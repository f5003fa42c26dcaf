// Package space reads and validates YAML space files (study, task, training settings, searched
// parameters, budget, objective) and turns goptuna trials into typed trainer configurations.
package space
