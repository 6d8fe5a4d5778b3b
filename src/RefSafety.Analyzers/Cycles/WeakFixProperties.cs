using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// The diagnostic properties through which REFS010, REFS011 and REFS020 tell the "Make 'X' a weak reference" fix
/// which field to rewrite. They are set only for a back edge whose target another strong field can own, so the fix
/// is never offered on what may be the sole owner.
/// </summary>
internal static class WeakFixProperties
{
    public const string TypeKey = DiagnosticProperties.WeakFixType;
    public const string FieldKey = DiagnosticProperties.WeakFixField;

    public static ImmutableDictionary<string, string?> For(IFieldSymbol? field) =>
        field is null || !field.Locations.IsEmpty && !field.Locations[0].IsInSource
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty
                .Add(TypeKey, MetadataName(field.ContainingType.OriginalDefinition))
                .Add(FieldKey, field.Name);

    /// <summary>The name <see cref="Compilation.GetTypeByMetadataName"/> resolves: Namespace.Outer+Inner`1.</summary>
    public static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingType is { } outer
            ? MetadataName(outer) + "+" + type.MetadataName
            : type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
}
