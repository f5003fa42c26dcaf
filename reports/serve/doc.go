// Package serve is the live page of `attnsearch serve`: an http.Handler that reads stored trials
// and renders the studies, a study (trials table, front, hypervolume over time, history,
// per-epoch curves, parallel coordinates, parameter importances) and a trial, and pushes changes
// to the page with server-sent events. It never writes the store, never trains and never samples.
//
// # Reading a live store
//
// The handler opens the store through an Opener for each read and closes it at once, so that it
// never holds a store a writer wants: a bbolt store that `attnsearch run` holds is read through
// the snapshot its writer keeps and the change feed beside it (store/bolt), PostgreSQL directly.
// While a page listens for events, one poller re-reads the watched studies every Options.Poll
// (or, when one read takes longer, after as long again); a bbolt view whose commit time has not
// changed is not read again. A change sends the page an event, and the page's own small script
// fetches the part of the page that changed.
//
// # Scale
//
// A study's finished trials never change, so a read keeps them decoded (from the first trial
// up to the first one not finished) and reads again only the trials from there on
// (TrialsFrom: both stores); the report's front is found among the last front and the trials
// that finished since (reports.BuildTrialsAfter), and the hypervolume line, the importances and
// the categories go on from what the last version computed of the kept trials. What a study's
// page draws is computed once per version and kept with it; the trials table is
// paged (Options.PageSize rows), sorted and filtered on the server, and every plot is an inline
// SVG drawn here from at most a few thousand points: the front and the points of the history are
// kept whole up to maxPoints and evenly thinned beyond, curves and parallel coordinates show the
// front's trials and the latest others up to a fixed count (the page says how many it shows).
//
// # Access
//
// Options.Token, when set, is required of every request: as "Authorization: Bearer TOKEN", or
// once as ?token=TOKEN, which sets a cookie for the rest of the visit; tokens are compared in
// constant time. The command refuses any address but loopback without a token.
//
// # Parameter importances
//
// The importance of a parameter is its correlation ratio η² with the first goal: the share of
// the goal's variance among COMPLETE trials explained by the parameter's value (one group per
// category, up to ten equal-count bins of five or more trials for numbers), normalised to sum to 1. It sees each parameter
// alone (no interactions), unlike Optuna's fANOVA; the page names the method.
package serve
