// Package trainer trains and measures one encoder–decoder Transformer configuration for
// translation: a pre-LayerNorm model built as gorgonia graphs (one cached graph per padded batch
// shape, all bound to the same weight tensors), a hand-written Adam with warm-up schedules,
// gradient clipping and an ‖θ‖₂ ball projection, seeded dropout (where PyTorch's nn.Transformer
// applies it: embeddings, attention probabilities, each residual branch and inside the
// feed-forward block after the ReLU), and a plain-Go inference path
// (KV cache, greedy and beam search) used for BLEU, accuracy and latency.
//
// Speed: the graphs use fused ops (fused.go: linear layers, LayerNorm, ReLU, scaled masked
// softmax, head permutations, batched attention products, label-smoothed cross-entropy), each a
// custom gorgonia op with a hand-written backward pass that writes into buffers it reuses every
// step; the stock-op graph (dims.Composed) is kept as the reference they are tested against.
// Matrix products go through gorgonia's installed BLAS: the attnsearch command and this package's
// tests install trainer/fastblas, which is OpenBLAS when built with -tags openblas.
//
// Threads: with Options.Threads = n > 1 each step runs data-parallel (shard.go): the batch is
// split into n contiguous shards (at least 4 sentences each), each shard its own graph over the
// shared weights, run concurrently; every loss weight is divided by the whole batch's token count,
// so the summed gradients are the batch's, and Adam's passes are split over n groups of
// parameters. Results are bit-identical from run to run at a given thread count; across thread
// counts they differ by float rounding (the gradient sums' order) and, with dropout, by the masks
// (shard i > 0 draws its own stream). One thread (and parallel trials, which get Threads 0) is
// the plain step.
//
// The parameters are exactly those objective.Estimate counts: separate Q, K, V and output
// projections with biases (K and V of width kv_heads·d_model/heads), ReLU feed-forward blocks with
// biases, LayerNorm weight and bias per sub-layer plus a final LayerNorm per side, source and
// target token embeddings, learned position tables (one per side) when positions are learned,
// and an output projection with bias, or, when tied, the target embedding itself without bias
// (as PyTorch's and fairseq's tied models).
package trainer
