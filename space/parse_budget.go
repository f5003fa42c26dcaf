package space

import "github.com/attnsearch/attnsearch/record"

// budget decodes the budget section.
func (d *decoder) budget(e entry, b *Budget) error {
	es, err := d.mapping(e.value, e.path, record.BudgetFieldNames())
	if err != nil {
		return err
	}
	for _, f := range es {
		field, _ := record.BudgetFieldNamed(f.key)
		var v float64
		if field.Integer() {
			var i int64
			i, err = d.integer(f.value, f.path)
			v = float64(i)
		} else {
			v, err = d.number(f.value, f.path)
		}
		if err != nil {
			return err
		}
		if v <= 0 {
			return d.errAt(f.value, f.path, "must be > 0 (leave the key out for no limit)")
		}
		field.Set(b, v)
	}
	return nil
}
