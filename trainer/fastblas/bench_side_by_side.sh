#!/bin/bash
# Side by side in one run: PyTorch (torch_ref.py, OpenBLAS's AVX-512 kernels forced, and as
# installed), the default build and the -tags openblas build (AVX-512 forced), interleaved,
# 3 repetitions. Needs python3-torch, libopenblas0-openmp, libopenblas-openmp-dev, libopenblas-dev;
# run it on an otherwise idle machine. OMP_WAIT_POLICY=passive keeps PyTorch's idle OpenMP
# threads from spinning (they otherwise take the core the other thread needs). At 2 threads the
# Go step runs as two data-parallel shards; "blas=1" is the product at one BLAS thread per shard,
# as the attnsearch command runs it (OpenBLAS's own threads on top of the shards oversubscribe).
set -u
cd "$(dirname "$0")/.."
go test -c -o /tmp/default.test . && go test -tags openblas -c -o /tmp/openblas.test . || exit 1
T=${TORCH_REF:?set TORCH_REF to the PyTorch reference script torch_ref.py (not shipped)}
for rep in 1 2 3; do
  for th in 1 2; do
    echo "rep $rep threads $th torch-as-installed: $(OMP_WAIT_POLICY=passive /usr/bin/python3 $T --steps 300 --threads $th 2>&1 | tail -1)"
    echo "rep $rep threads $th torch-before: $(OMP_WAIT_POLICY=passive OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 $T --steps 300 --threads $th 2>&1 | tail -1)"
    /tmp/default.test -test.run X -test.bench "BenchmarkReferenceStep/threads=$th(,blas=1)?\$" -test.benchtime 100x 2>&1 | grep Benchmark | sed "s/^/rep $rep default: /"
    OPENBLAS_CORETYPE=SkylakeX /tmp/openblas.test -test.run X -test.bench "BenchmarkReferenceStep/threads=$th(,blas=1)?\$" -test.benchtime 100x 2>&1 | grep Benchmark | sed "s/^/rep $rep openblas-skx: /"
    echo "rep $rep threads $th torch-after: $(OMP_WAIT_POLICY=passive OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 $T --steps 300 --threads $th 2>&1 | tail -1)"
  done
  /tmp/default.test -test.run X -test.bench "BenchmarkSearchStep/composed=false" -test.benchtime 20x 2>&1 | grep Benchmark | sed "s/^/rep $rep default: /"
  OPENBLAS_CORETYPE=SkylakeX /tmp/openblas.test -test.run X -test.bench "BenchmarkSearchStep/composed=false" -test.benchtime 20x 2>&1 | grep Benchmark | sed "s/^/rep $rep openblas-skx: /"
done
