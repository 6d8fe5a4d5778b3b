using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace RefHeap;

/// <summary>
/// Type names as C# spells them, without namespaces: <c>RefList&lt;Node&gt;</c> rather than <c>RefList`1</c>,
/// <c>Outer&lt;int&gt;.Inner</c> for nested types, <c>int?</c> and <c>Node[]</c>. The inspection tools count and
/// label objects by these names, so each constructed generic type is its own entry.
/// </summary>
public static class TypeNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(string)] = "string", [typeof(object)] = "object",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint", [typeof(void)] = "void",
    };

    // Snapshots name every object: the name of a type is built once.
    private static readonly ConcurrentDictionary<Type, string> Names = new();

    /// <summary>The readable name of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is null.</exception>
    public static string Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Names.GetOrAdd(type, Build);
    }

    private static string Build(Type type)
    {
        if (Keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }

        if (type.IsArray)
        {
            return Of(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (type.IsPointer || type.IsByRef)
        {
            return Of(type.GetElementType()!) + (type.IsPointer ? "*" : "&");
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Of(underlying) + "?";
        }

        // A nested type's generic arguments are all listed on it, the enclosing types' first: each level of the
        // nesting takes its own share, so Outer<int>.Inner<string> gets int on Outer and string on Inner.
        return Qualified(type, type.IsGenericParameter ? Type.EmptyTypes : type.GetGenericArguments());
    }

    private static string Qualified(Type type, Type[] arguments)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        int enclosingArity = 0;
        string prefix = string.Empty;
        if (type.IsNested)
        {
            Type declaring = type.DeclaringType!;
            enclosingArity = declaring.GetGenericArguments().Length;
            prefix = Qualified(declaring, arguments) + ".";
        }

        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        int arity = type.GetGenericArguments().Length;
        if (arity > enclosingArity)
        {
            name += "<" + string.Join(", ", arguments[enclosingArity..arity].Select(Of)) + ">";
        }

        return prefix + name;
    }
}
