#!/usr/bin/env python3
"""The call tree below one frame of a dotnet-trace recording, as inclusive time per call path (docs/performance.md).
Record and convert first:
  INPROCESS_SERIAL=1 dotnet-trace collect -o t.nettrace -- dotnet benchmarks/AnalyzerSpeed/InProcess/bin/Release/net10.0/InProcess.dll ...
  dotnet-trace convert t.nettrace --format speedscope -o t
Usage: calltree.py t.speedscope.json ROOT_SUBSTRING [DEPTH] [MIN_PERCENT] [--flat] [--nogc]
  --flat: inclusive and exclusive totals per frame instead of the tree; --nogc: leave out samples taken inside a
  .NET collection (they land wherever the allocation that triggered it happened)."""
import collections
import json
import sys

path, root = sys.argv[1], sys.argv[2]
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 4
min_percent = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
flat, no_gc = '--flat' in sys.argv, '--nogc' in sys.argv

recording = json.load(open(path))
frames = [frame['name'] for frame in recording['shared']['frames']]
by_path = collections.defaultdict(float)    # call path below the root (tuple of frames) -> time
inclusive = collections.defaultdict(float)  # frame -> time on the stack below the root (once per sample)
exclusive = collections.defaultdict(float)  # frame -> time at the top of the stack below the root
total = 0.0


def in_collection(stack):
    return any('PollGC' in frames[f] or 'GCHeap' in frames[f] for f in stack)


# Evented profiles: O(pen)/C(lose) frame events per thread; the time between two events belongs to the stack then.
for profile in recording['profiles']:
    if profile.get('type') != 'evented':
        continue
    stack, last = [], None
    for event in profile['events']:
        if last is not None and stack:
            at_root = next((i for i, f in enumerate(stack) if root in frames[f]), None)
            if at_root is not None and not (no_gc and in_collection(stack)):
                elapsed = event['at'] - last
                total += elapsed
                below = stack[at_root:]
                for length in range(1, min(len(below), depth + 1) + 1):
                    by_path[tuple(below[:length])] += elapsed
                exclusive[below[-1]] += elapsed
                for f in set(below):
                    inclusive[f] += elapsed
        last = event['at']
        if event['type'] == 'O':
            stack.append(event['frame'])
        elif stack:
            stack.pop()

print(f"total under {root}: {total:.1f} ms")
if total == 0:
    sys.exit()
if flat:
    for title, table, rows in (("inclusive", inclusive, 60), ("exclusive", exclusive, 40)):
        print(f"-- {title} --")
        for f, time in sorted(table.items(), key=lambda item: -item[1])[:rows]:
            print(f"{100 * time / total:6.1f}% {frames[f][:150]}")
    sys.exit()


def show(prefix, level):
    children = [(p, time) for p, time in by_path.items() if len(p) == len(prefix) + 1 and p[:len(prefix)] == prefix]
    for p, time in sorted(children, key=lambda item: -item[1]):
        if 100 * time / total >= min_percent:
            print(f"{'  ' * level}{100 * time / total:5.1f}% {frames[p[-1]][:140]}")
            if level < depth:
                show(p, level + 1)


for p, time in by_path.items():
    if len(p) == 1:
        print(f"{100 * time / total:5.1f}% {frames[p[0]][:140]}")
        show(p, 1)
