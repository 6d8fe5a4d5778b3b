#!/usr/bin/env bash
# Times every RefSafety analyzer on methods of N nested try/catch/finally blocks with an early return at every level
# (issue 8: "1,000 nested try/catch/finally with early returns under 1 s"), through the precision runner, which
# reports each analyzer's own execution time (Roslyn's telemetry), binding and graph building by the compiler aside.
# Usage: benchmarks/AnalyzerSpeed/deep-nesting.sh [DEPTH]   (default 1000)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
depth=${1:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$depth" > "$work/Nested.cs" <<'PY'
import sys
n = int(sys.argv[1])
print("using System;\nusing RefHeap;\n\nclass Node : RefObject { public Node? Next; public void Touch() { } }\n")
print("static class Nested\n{")
# Ownership: an owned local released on every early return, leaked on the caught-exception path.
print("    static int Owned(int stop)\n    {\n        var node = new Node();")
for i in range(n):
    print(f"        try {{ if (stop == {i}) {{ node.DecRef(); return {i}; }}")
for i in range(n):
    print("        } catch (InvalidOperationException) { } finally { node.Touch(); }")
print("        return -1;\n    }\n")
# Cycles: a store at every level, broken again in each finally.
print("    static int Stores(Node a, Node b, int stop)\n    {")
for i in range(n):
    print(f"        try {{ a.Next = b; if (stop == {i}) return {i};")
for i in range(n):
    print("        } catch (InvalidOperationException) { } finally { a.Next = null; }")
print("        return -1;\n    }\n}")
PY
printf 'root = true\n\n[*.cs]\nrefsafety.presets = com\n' > "$work/.editorconfig"  # the runner wants an API; RefHeap is what is timed
dotnet build "$repo/benchmarks/Precision/Precision.csproj" -c Release -v q -nologo >/dev/null
echo "depth $depth"
dotnet "$repo/benchmarks/Precision/bin/Release/net10.0/Precision.dll" "$work" "$work/.editorconfig" "$work/findings.tsv" --no-timing | grep -E "analysis|Ownership|REFS0|AD0001"
