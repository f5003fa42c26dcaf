// Package reports reads stored trials and renders them: the Pareto front of quality against cost
// as a table (tablewriter), Markdown, CSV or JSON, the per-trial detail with its epoch curve, and
// plots (the P-vs-cost scatter with the front and the budget line, and the best score over
// trials). It never trains or samples.
//
// # Trial record
//
// What a trial and a study store (every attribute key, StudyInfo, the per-epoch history, Decode)
// is owned by package record, which the search writes and this package reads; neither
// imports the other. Report decodes every trial with record.Decode, reads the study's settings
// with record.ParseStudyInfo (any stored version) and takes the objective's metric and cost keys
// from objective's table of costs.
package reports
