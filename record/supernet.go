package record

// Keys and values of the weight-sharing (supernet) strategy.
const (
	KeyFidelity       = "fidelity"        // how a trial's figures were obtained: FidelityInherited | FidelityRetrained (absent: trained from scratch, per_trial)
	KeyInheritedTrial = "inherited_trial" // a retrained trial: the number of the inherited trial whose point it retrains

	FidelityInherited = "inherited" // scored with weights inherited from the SuperTransformer (search phase)
	FidelityRetrained = "retrained" // a point of the inherited front trained as an ordinary trial (retrain phase)

	SysSupernetSource  = "attnsearch:supernet_source"  // trial: the inherited trial number a retrained trial retrains
	SysSupernetTrained = "attnsearch:supernet_trained" // study: JSON of the finished SuperTransformer training (steps, seconds, checkpoint)
)
