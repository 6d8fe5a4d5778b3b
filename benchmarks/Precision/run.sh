#!/usr/bin/env bash
# The real-code precision measurement (docs/precision.md): the current RefSafety analyzers over three corpora, one
# .editorconfig per API (configs/), findings as TSV plus a log per API, and a seeded sample of 30 findings per API to
# judge by hand. The corpora are never in this repository: CORPUS_DIR holds, as docs/precision.md extracts them,
#   pythonnet/src/runtime        (CPython binding, configs/cpython.editorconfig)
#   libgit2sharp/LibGit2Sharp    (SafeHandle,      configs/safehandle.editorconfig)
#   clrmd/src                    (COM interop,     configs/com.editorconfig)
#   sqlclient/src/Microsoft.Data.SqlClient/src (SafeHandle, configs/safehandle.editorconfig)
# Usage: benchmarks/Precision/run.sh CORPUS_DIR [RESULTS_DIR] [SEED]
#        (defaults /work/precision-results/<date>-<commit> and seed 8)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(cd "${1:?Usage: run.sh CORPUS_DIR [RESULTS_DIR] [SEED]}" && pwd)
results=${2:-/work/precision-results/$(date +%Y%m%d-%H%M)-$(git -C "$repo" rev-parse --short HEAD)}
seed=${3:-8}
mkdir -p "$results"
case "$results/" in "$repo"/*) echo "RESULTS_DIR must be outside the repository" >&2; exit 2;; esac

dotnet build "$repo/benchmarks/Precision/Precision.csproj" -c Release -v q -nologo >/dev/null
runner=("dotnet" "$repo/benchmarks/Precision/bin/Release/net10.0/Precision.dll")
configs="$repo/benchmarks/Precision/configs"
# Target-framework symbols of the build each corpus ships (read from its project files).
net8="NET;NET8_0;NETCOREAPP;NET5_0_OR_GREATER;NET6_0_OR_GREATER;NET7_0_OR_GREATER;NET8_0_OR_GREATER;NETCOREAPP3_1_OR_GREATER"
net10="NET;NET10_0;NETCOREAPP;NET5_0_OR_GREATER;NET6_0_OR_GREATER;NET7_0_OR_GREATER;NET8_0_OR_GREATER;NET9_0_OR_GREATER;NET10_0_OR_GREATER;NETCOREAPP3_1_OR_GREATER"

run() { # api folder config extra-args...
  local api=$1 folder=$2 config=$3; shift 3
  echo "== $api: $folder"
  "${runner[@]}" "$corpus/$folder" "$configs/$config" "$results/$api.tsv" "$@" | tee "$results/$api.log"
}
run cpython    pythonnet/src/runtime     cpython.editorconfig    --define "PYTHON3;PYTHON38;UCS4;XPLAT;NETSTANDARD;MONO_LINUX;PYTHON_WITH_PYMALLOC"
run safehandle libgit2sharp/LibGit2Sharp safehandle.editorconfig --define "$net8"
run com        clrmd/src                 com.editorconfig        --define "$net10" --implicit-usings
# A second SafeHandle corpus, a data-access library (its Unix build): SafeFileHandle, native library handles.
run sqlclient  sqlclient/src/Microsoft.Data.SqlClient/src safehandle.editorconfig --define "$net8;_UNIX"

python3 "$repo/benchmarks/Precision/sample.py" "$results" "$corpus" "$seed" > "$results/sample.md"
git -C "$repo" rev-parse HEAD > "$results/refsafety-commit.txt"
echo "results in $results (sample to judge: $results/sample.md)"
