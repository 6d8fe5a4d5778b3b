#!/usr/bin/env python3
"""Generates two projects of FILES files x 4 methods of correct ownership code: one on RefHeap (checked by
RefSafety), its twin on IDisposable (checked by CA2000). Usage: generate.py OUT_DIR REPO_ROOT [FILES]"""
import os, sys, textwrap

out, repo = sys.argv[1], os.path.abspath(sys.argv[2])
files = int(sys.argv[3]) if len(sys.argv) > 3 else 400

REFHEAP_TYPES = """
using System;
using RefHeap;
namespace Gen;
public sealed class Item : RefObject { public Item? Next; public int Value; public void Touch() => Value++; }
public sealed class Box : RefObject { public Item? Slot; }
public static class Api { [return: NewReference] public static Item Create() => new Item(); }
"""
DISPOSABLE_TYPES = """
using System;
namespace Gen;
public sealed class Item : IDisposable { public Item? Next; public int Value; public void Touch() => Value++; public void Dispose() { } }
public sealed class Box : IDisposable { public Item? Slot; public void Dispose() => Slot?.Dispose(); }
public static class Api { public static Item Create() => new Item(); }
"""

def methods(i, refheap):
    release = "DecRef" if refheap else "Dispose"
    move = "box.Slot?.{r}(); box.Slot = item;".format(r=release)
    return textwrap.dedent(f"""
    public static class Work{i}
    {{
        public static int Branches(bool flag, int n)
        {{
            var item = new Item();
            if (flag) {{ item.Touch(); }} else {{ item.Value = n; }}
            int v = item.Value;
            item.{release}();
            return v;
        }}

        public static int Loops(int n)
        {{
            int total = 0;
            for (int i = 0; i < n; i++)
            {{
                using var item = Api.Create();
                item.Touch();
                total += item.Value;
            }}
            return total;
        }}

        public static int TryFinallySwitch(int kind)
        {{
            var item = new Item();
            try
            {{
                switch (kind)
                {{
                    case 0: item.Touch(); break;
                    case 1: item.Value = 2; break;
                    default: return -1;
                }}
                return item.Value;
            }}
            finally
            {{
                item.{release}();
            }}
        }}

        public static void MoveIntoField(Box box)
        {{
            var item = new Item();
            item.Touch();
            {move}
        }}
    }}
    """)

for kind in ("RefHeapProject", "DisposableProject"):
    refheap = kind == "RefHeapProject"
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    refs = ""
    if refheap:
        refs = f"""<ItemGroup>
    <ProjectReference Include="{repo}/src/RefHeap/RefHeap.csproj" />
    <ProjectReference Include="{repo}/src/RefSafety.Analyzers/RefSafety.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>"""
    open(os.path.join(d, kind + ".csproj"), "w").write(f"""<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
    <EnableNETAnalyzers>{'false' if refheap else 'true'}</EnableNETAnalyzers>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
  </PropertyGroup>
  {refs}
</Project>
""")
    open(os.path.join(d, ".editorconfig"), "w").write("root = true\n[*.cs]\ndotnet_diagnostic.CA2000.severity = warning\n")
    open(os.path.join(d, "Types.cs"), "w").write(REFHEAP_TYPES if refheap else DISPOSABLE_TYPES)
    for i in range(files):
        open(os.path.join(d, f"Work{i}.cs"), "w").write("using System;\nusing Gen;\n" + ("using RefHeap;\n" if refheap else "") + "namespace Gen;\n" + methods(i, refheap))
print(out)
