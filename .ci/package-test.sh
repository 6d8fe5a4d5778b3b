#!/usr/bin/env bash
# The package test: packs RefSafety, installs it into a throwaway consumer exactly as the package README says (its
# MyApp.csproj, nuget.config and Program.cs blocks, plus one small file of ownership mistakes) and checks what a user
# sees: the diagnostics with their severities and help links on net8.0 and net10.0, the strict preset, and the
# `dotnet format analyzers` round trip. Prints one "PASS name" or "FAIL name: why" line per check (.ci/run counts
# them) and exits non-zero when a check failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
readme=$root/src/RefSafety.Package/README.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An isolated packages folder: restore takes the package just packed, never one cached by an earlier run.
export NUGET_PACKAGES=$work/packages

failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# The README's fenced block whose info string is "<language> <file name>".
readme_block() { awk -v open='```'"$1" '$0 == open { inside = 1; next } /^```/ { inside = 0 } inside' "$readme"; }

# Ownership mistakes a user makes. Each comment naming a rule marks the line that rule reports, "(info)" when the rule
# is Info; check_diagnostics reads the expectations from these comments (and from the README's Program.cs).
cat > "$work/Shelf.cs" <<'CS'
using System;
using RefHeap;

namespace Inventory;

/// <summary>A stock item; a shelf owns the items on it.</summary>
public sealed class Item : RefObject
{
    public Item(string name) => Name = name;

    public string Name { get; }

    ~Item() // REFS022: runs on the .NET finalizer thread, not when the count reaches zero
    {
        Console.WriteLine($"{Name} gone");
    }
}

/// <summary>A shelf in an aisle; it points back at its aisle.</summary>
public sealed class Shelf : RefObject
{
    public Aisle? Aisle;

    public static int Restock(bool full)
    {
        var item = new Item("spare");
        if (full)
        {
            return 0; // REFS001: 'item' is still owned on this path
        }

        item.DecRef();
        return 1;
    }

    public static string Label(Item item, int copies)
    {
        var label = new Item($"{item.Name} x{copies}");
        if (copies <= 0)
        {
            return "none"; // REFS001: 'label' is still owned on this path
        }

        string text = label.Name;
        label.DecRef();
        return text;
    }

    public static void Remove(Item item)
    {
        Console.WriteLine(item.Name);
        item.DecRef(); // REFS002: the caller lent the item; it is not this method's to release
    }
}

/// <summary>An aisle owns its first shelf.</summary>
public sealed class Aisle : RefObject
{
    public Shelf? First; // REFS011 (info): with Shelf.Aisle, a strong cycle of types
}
CS

# make_consumer DIR TFM: the README's project (retargeted to TFM), nuget.config (pointing at packages/local) and
# Program.cs, and the file of mistakes.
make_consumer() {
  mkdir -p "$1"
  readme_block 'xml MyApp.csproj' | sed "s#<TargetFramework>net10.0</TargetFramework>#<TargetFramework>$2</TargetFramework>#" > "$1/MyApp.csproj"
  readme_block 'xml nuget.config' | sed "s#/path/to/refsafety/packages/local#$root/packages/local#" > "$1/nuget.config"
  readme_block 'csharp Program.cs' > "$1/Program.cs"
  cp "$work/Shelf.cs" "$1/Shelf.cs"
}

# check_diagnostics NAME DIR SARIF BUILD_LOG EXPECTED_LEVEL [RULE...]: the REFS results in SARIF are exactly the lines
# of DIR/*.cs whose comments name a rule (restricted to RULEs when given; EXPECTED_LEVEL "as-marked" reads warning,
# or note for "(info)", from the comment), each warning and error also in the build output with its help link.
check_diagnostics() {
  local name=$1
  if message=$(python3 - "$@" <<'PY'
import glob, json, os, re, sys
_, _, directory, sarif, log, level, *rules = sys.argv
expected = set()
for path in glob.glob(os.path.join(directory, "*.cs")):
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        for match in re.finditer(r"//.*?\b(REFS\d{3})\b( \(info\))?", line):
            if not rules or match.group(1) in rules:
                marked = "note" if match.group(2) else "warning"
                expected.add((match.group(1), os.path.basename(path), number, marked if level == "as-marked" else level))
run = json.load(open(sarif, encoding="utf-8"))["runs"][0]
actual = set()
for result in run["results"]:
    if result["ruleId"].startswith("REFS"):
        location = result["locations"][0]["physicalLocation"]
        actual.add((result["ruleId"], os.path.basename(location["artifactLocation"]["uri"]), location["region"]["startLine"], result.get("level", "warning")))
problems = [f"missing {e}" for e in sorted(expected - actual)] + [f"unexpected {a}" for a in sorted(actual - expected)]
help_uris = {rule["id"]: rule.get("helpUri") for rule in run["tool"]["driver"].get("rules", [])}
output = open(log, encoding="utf-8").read()
for rule, file, line, severity in sorted(actual):
    link = f"https://github.com/refsafety/refsafety/blob/main/docs/rules/{rule}.md"
    if help_uris.get(rule) != link:
        problems.append(f"{rule} help link {help_uris.get(rule)}")
    if severity != "note" and not re.search(rf"{re.escape(file)}\({line},\d+\): {severity} {rule}: .*\({re.escape(link)}\)", output):
        problems.append(f"{rule} at {file}:{line} not in the build output as '{severity}' with its help link")
if not expected:
    problems.append("no diagnostic expected: the comments name no rule")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
  ); then pass "$name"; else fail "$name" "$message"; fi
}

# build NAME DIR [ARGS...]: builds DIR writing DIR/NAME.sarif and DIR/NAME.log; returns the build's exit code.
build() {
  local name=$1 dir=$2
  shift 2
  dotnet build "$dir" -nologo -p:ErrorLog="$dir/$name.sarif%2Cversion=2.1" "$@" > "$dir/$name.log" 2>&1
}

# 1. Pack (Release builds of RefHeap, the analyzers and the code fixes).
version=$(sed -nE 's#.*<RefSafetyVersion>(.*)</RefSafetyVersion>.*#\1#p' "$root/Directory.Build.props")
if dotnet pack "$root/src/RefSafety.Package" -nologo -v q > "$work/pack.log" 2>&1 &&
   [ -f "$root/packages/local/RefSafety.$version.nupkg" ] && [ -f "$root/packages/local/RefSafety.$version.snupkg" ]; then
  pass "pack RefSafety.$version.nupkg and .snupkg"
else
  fail "pack" "$(tail -5 "$work/pack.log")"
  exit 1
fi

# 2. Install and build on each target framework: the recommended severities.
for tfm in net8.0 net10.0; do
  dir=$work/$tfm
  make_consumer "$dir" "$tfm"
  if build recommended "$dir"; then
    check_diagnostics "$tfm: restore from packages/local, build, REFS diagnostics with severities and help links" "$dir" "$dir/recommended.sarif" "$dir/recommended.log" as-marked
  else
    fail "$tfm: restore and build" "$(grep -E 'error' "$dir/recommended.log" | sort -u | head -5)"
  fi
done

dir=$work/net10.0
output=$(dotnet run --project "$dir" --no-build 2>&1)
if [ "$(printf '%s\n' "$output" | tail -1)" = 2 ]; then pass "net10.0: the README program runs (the collector frees the cycle: 2)"; else fail "net10.0: the README program runs" "$output"; fi

# 3. The strict preset: every rule an error (Info ones included), so the build fails; an unknown mode is refused.
# --no-incremental: the compiler is not rerun when only the preset changed (see docs/package.md).
if build strict "$dir" --no-incremental -p:RefSafetyMode=strict; then
  fail "strict: the build fails" "it succeeded"
else
  check_diagnostics "strict: every REFS diagnostic is an error" "$dir" "$dir/strict.sarif" "$dir/strict.log" error
fi
if ! build unknown "$dir" -p:RefSafetyMode=loud && grep -q "error REFSAFETY0001: RefSafetyMode is 'loud'" "$dir/unknown.log"; then
  pass "RefSafetyMode=loud: error REFSAFETY0001"
else
  fail "RefSafetyMode=loud: error REFSAFETY0001" "$(tail -3 "$dir/unknown.log")"
fi

# 4. dotnet format analyzers, for one rule and for several at once: every diagnostic of those rules fixed, the result
#    builds, and only the other rules' diagnostics remain (their lines have moved: compare rules and counts).
# format_round_trip NAME RULE...
format_round_trip() {
  local name=$1
  shift
  cp "$work/Shelf.cs" "$dir/Shelf.cs"
  readme_block 'csharp Program.cs' > "$dir/Program.cs"
  if ! dotnet format analyzers "$dir/MyApp.csproj" --diagnostics "$@" --severity info > "$dir/format.log" 2>&1; then
    fail "$name" "dotnet format failed: $(tail -3 "$dir/format.log")"
    return
  fi
  if ! build formatted "$dir"; then
    fail "$name" "the fixed code does not build: $(grep -E ' error ' "$dir/formatted.log" | sort -u | head -3)"
    return
  fi
  if message=$(python3 - "$dir/recommended.sarif" "$dir/formatted.sarif" "$@" <<'PY'
import collections, json, sys
before_path, after_path, *fixed = sys.argv[1:]
def counts(path):
    results = json.load(open(path, encoding="utf-8"))["runs"][0]["results"]
    return collections.Counter(r["ruleId"] for r in results if r["ruleId"].startswith("REFS"))
before, after = counts(before_path), counts(after_path)
problems = [f"{rule} had no diagnostic to fix" for rule in fixed if before[rule] == 0]
problems += [f"{rule}: {after[rule]} of {before[rule]} left" for rule in fixed if after[rule]]
problems += [f"{rule}: {before[rule]} before, {after[rule]} after" for rule in set(before) | set(after) if rule not in fixed and before[rule] != after[rule]]
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
  ); then pass "$name"; else fail "$name" "$message"; fi
}
format_round_trip "dotnet format analyzers --diagnostics REFS001: every REFS001 fixed, builds" REFS001
format_round_trip "dotnet format analyzers --diagnostics REFS001 REFS002 REFS022: all fixed at once, builds" REFS001 REFS002 REFS022

exit "$failed"
