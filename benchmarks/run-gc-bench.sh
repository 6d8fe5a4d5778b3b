#!/usr/bin/env bash
# RefHeap against CPython 3.11 (../shared/bench/gc_bench.py), figure by figure, in one run: creation, collections,
# peak RSS and the IncRef+DecRef pair, each with issue 10's target and PASS/MISS.
# Usage: benchmarks/run-gc-bench.sh [N ...]   (default: 100000 1000000)
#        benchmarks/run-gc-bench.sh --with-bdn  also runs the IncRef+DecRef BenchmarkDotNet benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
bdn=false
sizes=()
for arg in "$@"; do
  if [ "$arg" = "--with-bdn" ]; then bdn=true; else sizes+=("$arg"); fi
done
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)

dotnet build benchmarks/RefHeap.Benchmarks -c Release -v q -nologo >/dev/null
twin=benchmarks/RefHeap.Benchmarks/bin/Release/net10.0/RefHeap.Benchmarks.dll
dotnet "$twin" compare "${sizes[@]}"
if $bdn; then
  dotnet "$twin" bdn --filter '*RefCountBenchmarks*' --job short
fi
