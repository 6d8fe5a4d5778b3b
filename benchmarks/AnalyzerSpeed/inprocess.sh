#!/usr/bin/env bash
# Analyzer speed in one process (steadier than one build on a shared machine): CA2000 on the IDisposable twin and
# RefSafety on the RefHeap project, side by side, REPS times; RefSafety also on the twin, which references RefHeap
# but counts nothing (the common case of a project's methods). Optional git revisions are built and timed in the
# same process, for before/after figures. The last set is always benchmarks/AnalyzerSpeed/Floor: an analyzer that only
# builds each body's control flow graph, the floor of any graph-based analysis.
# Usage: benchmarks/AnalyzerSpeed/inprocess.sh [FILES] [REPS] [BASELINE_REV...]   (defaults 400 and 7)
#        INPROCESS_SERIAL=1 benchmarks/AnalyzerSpeed/inprocess.sh ...   analyzers run one action at a time (steadier)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
files=${1:-400}
reps=${2:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$repo/benchmarks/AnalyzerSpeed/generate.py" "$work/gen" "$repo" "$files" >/dev/null
dotnet build "$repo/src/RefSafety.Analyzers" -c Release -v q -nologo >/dev/null
dotnet build "$repo/src/RefHeap" -c Release -v q -nologo >/dev/null
dotnet build "$repo/benchmarks/AnalyzerSpeed/InProcess" -c Release -v q -nologo >/dev/null
dotnet build "$repo/benchmarks/AnalyzerSpeed/Floor" -c Release -v q -nologo >/dev/null
dlls=("$repo/src/RefSafety.Analyzers/bin/Release/netstandard2.0/RefSafety.Analyzers.dll")
for rev in "${@:3}"; do
  mkdir -p "$work/$rev"
  git -C "$repo" archive "$rev" | tar -x -C "$work/$rev"
  dotnet build "$work/$rev/src/RefSafety.Analyzers" -c Release -v q -nologo >/dev/null
  dlls+=("$work/$rev/src/RefSafety.Analyzers/bin/Release/netstandard2.0/RefSafety.Analyzers.dll")
done

sdk_version=$(cd "$repo" && dotnet --version)
sdk_dir=$(dotnet --list-sdks | grep "^$sdk_version " | sed 's/.*\[\(.*\)\]/\1/')
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); INPROCESS_SERIAL=${INPROCESS_SERIAL:-0}"
dotnet "$repo/benchmarks/AnalyzerSpeed/InProcess/bin/Release/net10.0/InProcess.dll" "$work/gen" \
  "$repo/src/RefHeap/bin/Release/net8.0/RefHeap.dll" "$sdk_dir/$sdk_version/Sdks/Microsoft.NET.Sdk/analyzers/Microsoft.CodeAnalysis.NetAnalyzers.dll" \
  "$reps" "${dlls[@]}" "$repo/benchmarks/AnalyzerSpeed/Floor/bin/Release/netstandard2.0/Floor.dll"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
