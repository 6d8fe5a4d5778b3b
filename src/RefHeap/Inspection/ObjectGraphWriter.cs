using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace RefHeap;

/// <summary>
/// One reference between two objects: <see cref="Holder"/> refers to <see cref="Target"/> through
/// <see cref="Field"/> (a field name, or <c>[i]</c>, the position among the references a container visits).
/// </summary>
internal readonly record struct ObjectReference(RefObject Holder, string Field, RefObject Target, bool IsWeak);

/// <summary>
/// Writes objects and references as DOT. A node shows the readable type name, the label (the user's function,
/// else a <c>ToString</c> override), the reference count and generation, and a finalizer marker.
/// </summary>
internal sealed class ObjectGraphWriter
{
    private const int MaxLabelLength = 48;

    private static readonly ConcurrentDictionary<Type, bool> OverridesToString = new();

    private readonly Heap _heap;
    private readonly IReadOnlyDictionary<RefObject, int> _generations;
    private readonly Func<RefObject, string?>? _label;
    private readonly Dictionary<RefObject, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly StringBuilder _text = new("digraph ObjectGraph {\n  node [shape=box, style=filled, fillcolor=white, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    private int _moreNodes;

    public ObjectGraphWriter(Heap heap, IReadOnlyDictionary<RefObject, int> generations, Func<RefObject, string?>? label)
    {
        _heap = heap;
        _generations = generations;
        _label = label;
    }

    /// <summary>Adds the node of <paramref name="obj"/> unless it is drawn already; true if it was new.</summary>
    public bool AddNode(RefObject obj, bool highlighted)
    {
        if (!_ids.TryAdd(obj, _ids.Count))
        {
            return false;
        }

        var lines = new List<string> { TypeNames.Of(obj.GetType()) };
        if (CustomLabel(obj) is { } custom)
        {
            lines.Add(custom.Length <= MaxLabelLength ? custom : custom[..(MaxLabelLength - 1)] + "…");
        }

        lines.Add(State(obj));
        bool finalizer = (obj._flags & ObjectFlags.HasFinalizer) != 0;
        if (finalizer)
        {
            lines.Add("has OnFinalize");
        }

        string fill = highlighted ? ", fillcolor=yellow" : obj.IsAlive ? string.Empty : ", fillcolor=lightgray";
        string border = finalizer ? ", color=red, penwidth=2" : string.Empty;
        _text.Append(CultureInfo.InvariantCulture, $"  o{_ids[obj]} [label=\"{string.Join("\\n", lines.ConvertAll(Escape))}\"{fill}{border}];\n");
        return true;
    }

    /// <summary>Draws a reference between two drawn nodes; weak references dashed.</summary>
    public void AddEdge(ObjectReference reference)
    {
        string style = reference.IsWeak ? ", style=dashed" : string.Empty;
        _text.Append(CultureInfo.InvariantCulture, $"  o{_ids[reference.Holder]} -> o{_ids[reference.Target]} [label=\"{Escape(reference.Field)}\"{style}];\n");
    }

    /// <summary>Stands for <paramref name="count"/> references of <paramref name="obj"/> that are not drawn.</summary>
    public void AddMore(RefObject obj, int count, bool referrers)
    {
        int id = _moreNodes++;
        string what = (referrers ? "referrer" : "reference") + (count == 1 ? string.Empty : "s");
        _text.Append(CultureInfo.InvariantCulture, $"  more{id} [label=\"{count} more {what}\", shape=plaintext, style=\"\"];\n");
        (string from, string to) = referrers ? ($"more{id}", $"o{_ids[obj]}") : ($"o{_ids[obj]}", $"more{id}");
        _text.Append(CultureInfo.InvariantCulture, $"  {from} -> {to} [style=dotted];\n");
    }

    public DotGraph Finish() => new(_text.Append("}\n").ToString());

    /// <summary>The strong references <paramref name="obj"/> holds, then its weak ones (none once it is released).</summary>
    public static IEnumerable<ObjectReference> ReferencesFrom(RefObject obj)
    {
        if (!obj.IsAlive)
        {
            yield break;
        }

        TypeLayout layout = TypeLayout.Of(obj.GetType());
        if (layout.HasCustomTraverse)
        {
            var collector = new ReferentCollector();
            obj.Traverse(collector);
            for (int i = 0; i < collector.Referents.Count; i++)
            {
                yield return new ObjectReference(obj, $"[{i}]", collector.Referents[i], IsWeak: false);
            }
        }
        else
        {
            foreach (FieldInfo field in layout.StrongFields)
            {
                if (field.GetValue(obj) is RefObject referent)
                {
                    yield return new ObjectReference(obj, FieldName(field), referent, IsWeak: false);
                }
            }
        }

        foreach (FieldInfo field in layout.WeakFields)
        {
            if (field.GetValue(obj) is WeakRefBase { TargetObject: { IsAlive: true } target })
            {
                yield return new ObjectReference(obj, FieldName(field), target, IsWeak: true);
            }
        }
    }

    // An auto-property's backing field is shown as the property.
    private static string FieldName(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.IndexOf(">k__BackingField", StringComparison.Ordinal) is > 0 and int end
            ? field.Name[1..end]
            : field.Name;

    private string? CustomLabel(RefObject obj)
    {
        if (_label is not null && _label(obj) is { } label)
        {
            return label;
        }

        if (!OverridesToString.GetOrAdd(obj.GetType(), static t => t.GetMethod(nameof(ToString), Type.EmptyTypes)!.DeclaringType != typeof(object)))
        {
            return null;
        }

        // A diagnostic must not fail on the object it diagnoses (a released object, another heap's thread).
        try
        {
            return obj.ToString();
        }
        catch (Exception ex)
        {
            return $"(ToString threw {ex.GetType().Name})";
        }
    }

    private string State(RefObject obj)
    {
        if (obj.IsImmortal)
        {
            return "immortal";
        }

        if (!obj.IsAlive)
        {
            return "released";
        }

        string generation =
            _generations.TryGetValue(obj, out int g) ? $"gen {g}"
            : (obj._flags & ObjectFlags.Tracked) == 0 ? "untracked"
            : ReferenceEquals(obj.Heap, _heap) ? "frozen"
            : "other heap";
        return string.Create(CultureInfo.InvariantCulture, $"refcount {obj.RefCount}, {generation}");
    }

    private static string Escape(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\r", string.Empty, StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}
