package space

// objective decodes the objective section.
func (d *decoder) objective(e entry, o *Objective) error {
	es, err := d.mapping(e.value, e.path, objectiveKeys)
	if err != nil {
		return err
	}
	d.obj = map[string]entry{}
	for _, f := range es {
		d.obj[f.key] = f
		switch f.key {
		case "metric":
			o.Metric, err = d.oneOf(f.value, f.path, metrics)
		case "cost":
			o.Cost, err = d.oneOf(f.value, f.path, costs)
		case "tradeoff":
			o.Tradeoff, err = d.numberIn(f, 0, 1000, false)
		default:
			err = d.intKeys(f, map[string]intKey{"src_len": {&o.SrcLen, 1, 10000}, "tgt_len": {&o.TgtLen, 1, 10000}})
		}
		if err != nil {
			return err
		}
	}
	return nil
}
