package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// RunningTrial is a RUNNING trial with the time of its worker's last heartbeat.
type RunningTrial struct {
	goptuna.FrozenTrial
	// Heartbeat is when the worker last called Heartbeat (or started the trial).
	Heartbeat time.Time
}

// RetryNumber returns the number of the trial whose point a trial with these system attributes
// repeats (record.SysRetryOf, or the schema-1 record.SysRequeuedFrom), if it is a retry.
func RetryNumber(system map[string]string) (int, bool) {
	for _, k := range []string{record.SysRetryOf, record.SysRequeuedFrom} {
		if v, ok := system[k]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// RetryAttrs returns the system attributes of a WAITING trial that repeats trial id (number
// number, system attributes system, stored params params): its fixed params (those it was
// enqueued with, overlaid by the internal values of params), the trial it retries, its seed and
// ordinal, and (a supernet's retrained trial) the inherited trial it retrains.
func RetryAttrs(id, number int, system map[string]string, params []Param) (map[string]string, error) {
	fixed := make(map[string]float64, len(params))
	// A trial started from an enqueued one that never reached its suggest calls keeps its fixed params.
	if js, ok := system[record.SysFixedParams]; ok {
		if err := json.Unmarshal([]byte(js), &fixed); err != nil {
			return nil, fmt.Errorf("trial %d %s: %w", id, record.SysFixedParams, err)
		}
	}
	for _, p := range params {
		fixed[p.Name] = p.Internal
	}
	js, err := json.Marshal(fixed)
	if err != nil {
		return nil, fmt.Errorf("trial %d params: %w", id, err)
	}
	sys := map[string]string{record.SysFixedParams: string(js), record.SysRetryOf: strconv.Itoa(number)}
	for _, k := range []string{record.SysSeed, record.SysOrdinal, record.SysSupernetSource} {
		if v, ok := system[k]; ok {
			sys[k] = v
		}
	}
	return sys, nil
}
