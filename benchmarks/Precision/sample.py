#!/usr/bin/env python3
"""Seeded random sample of the findings of each API (30, or all if fewer), each with the source around it, to judge
by hand. Usage: sample.py RESULTS_DIR CORPUS_DIR [SEED] [N]. The same seed and TSV give the same sample."""
import csv, os, random, sys

ROOTS = {"cpython": "pythonnet/src/runtime", "safehandle": "libgit2sharp/LibGit2Sharp", "com": "clrmd/src",
         "sqlclient": "sqlclient/src/Microsoft.Data.SqlClient/src"}

def main():
    results, corpus = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    for api, root in ROOTS.items():
        path = os.path.join(results, api + ".tsv")
        if not os.path.exists(path):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        rows = [r for r in rows if r["id"].startswith("REFS")]
        picked = random.Random(seed).sample(range(len(rows)), min(n, len(rows)))
        print(f"# {api}: {len(picked)} of {len(rows)} findings (seed {seed})\n")
        for k, i in enumerate(picked, 1):
            r = rows[i]
            line = int(r["line"])
            print(f"## {api} {k}. {r['id']} {r['file']}:{line}\n{r['message']}\n```")
            try:
                with open(os.path.join(corpus, root, r["file"]), encoding="utf-8-sig", errors="replace") as src:
                    lines = src.read().splitlines()
                for j in range(max(1, line - 12), min(len(lines), line + 8) + 1):
                    print(f"{'>' if j == line else ' '}{j:5} {lines[j - 1]}")
            except OSError as e:
                print(f"(source not found: {e})")
            print("```\n")

main()
