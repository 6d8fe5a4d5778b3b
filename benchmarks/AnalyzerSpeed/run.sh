#!/usr/bin/env bash
# Analyzer speed: RefSafety on a generated 400-file RefHeap project against CA2000 on its IDisposable twin, and
# both against the compile without analyzers. Figures from MSBuild's -p:ReportAnalyzer=true.
# Usage: benchmarks/AnalyzerSpeed/run.sh [FILES]   (default 400)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
python3 "$repo/benchmarks/AnalyzerSpeed/generate.py" "$work" "$repo" "${1:-400}" >/dev/null
dotnet build "$repo/src/RefSafety.Analyzers" -c Release -v q -nologo >/dev/null

build() { # project, extra args -> the detailed build log
  dotnet build "$work/$1/$1.csproj" -c Release --no-incremental -v:d -nologo -p:ReportAnalyzer=true "${@:2}" 2>&1
}
report() { # the analyzer report of the compile: totals, RefSafety's rules, CA2000, and the wall time
  grep -E "Total analyzer execution time|^ *[0-9.<]+ +[0-9<]+ +RefSafety\.Analyzers\.|DisposeObjectsBeforeLosingScope|CA2000\)|Time Elapsed" | grep -v "Property reassignment" | sed 's/^ *//' | sort -u
}
echo "== RefHeap project, RefSafety analyzers"; build RefHeapProject | report
echo "== RefHeap project, analyzers off";      build RefHeapProject -p:RunAnalyzers=false | grep -E "Time Elapsed"
echo "== IDisposable twin, NetAnalyzers with CA2000 on"; build DisposableProject | report
rm -rf "$work"
