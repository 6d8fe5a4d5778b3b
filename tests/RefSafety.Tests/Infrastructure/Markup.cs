using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace RefSafety.Tests;

/// <summary>
/// The one marker dialect of RefSafety's rule tests: <c>{|REFS001:code|}</c> says "REFS001 is reported on exactly
/// <c>code</c>". Markers nest (<c>{|REFS001:{|REFS001:throw x;|}|}</c> is two leaks reported on one statement).
/// Any other ID works the same way (<c>{|CS0103:x|}</c> for a compiler error the test expects).
/// </summary>
/// <remarks>
/// The builder numbers the markers in source order (first file first, then by opening position) and hands them to
/// Microsoft.CodeAnalysis.Testing as location markers <c>{|#n:…|}</c>, so that the n-th
/// <see cref="RuleTestBuilder.ExpectMessage"/> / <see cref="RuleTestBuilder.ExpectArguments"/> call can attach a
/// message to the n-th marker.
/// </remarks>
internal static class Markup
{
    internal sealed record Marker(int Index, string Id, TextSpan Span);

    internal sealed record Parsed(string Rewritten, string Plain, List<Marker> Markers);

    /// <summary>
    /// Rewrites every <c>{|ID:</c> to <c>{|#n:</c> (n counting from <paramref name="firstIndex"/>), and computes the
    /// marker-free text with each marker's span in it.
    /// </summary>
    public static Parsed Parse(string source, int firstIndex)
    {
        var rewritten = new StringBuilder(source.Length);
        var plain = new StringBuilder(source.Length);
        var markers = new List<Marker>();
        var open = new Stack<(int Index, string Id, int Start)>();
        int next = firstIndex;
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '{' && i + 1 < source.Length && source[i + 1] == '|')
            {
                int colon = source.IndexOf(':', i + 2);
                string id = colon < 0 ? "" : source.Substring(i + 2, colon - i - 2);
                if (id.Length == 0 || id.StartsWith('#') || !IsIdentifier(id))
                {
                    throw new ArgumentException($"Only id markers {{|REFS001:…|}} are allowed in rule tests; found '{source.Substring(i, Math.Min(20, source.Length - i))}'.");
                }

                open.Push((next, id, plain.Length));
                rewritten.Append("{|#").Append(next).Append(':');
                next++;
                i = colon;
                continue;
            }

            if (source[i] == '|' && i + 1 < source.Length && source[i + 1] == '}' && open.Count > 0)
            {
                var (index, id, start) = open.Pop();
                markers.Add(new Marker(index, id, TextSpan.FromBounds(start, plain.Length)));
                rewritten.Append("|}");
                i++;
                continue;
            }

            if ((source[i] == '[' && i + 1 < source.Length && source[i + 1] == '|') || (source[i] == '|' && i + 1 < source.Length && source[i + 1] == ']'))
            {
                throw new ArgumentException("[|…|] markers are not part of the rule-test dialect: write {|ID:…|}.");
            }

            rewritten.Append(source[i]);
            plain.Append(source[i]);
        }

        if (open.Count > 0)
        {
            throw new ArgumentException($"Unclosed marker {{|{open.Peek().Id}:");
        }

        markers.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new Parsed(rewritten.ToString(), plain.ToString(), markers);
    }

    private static bool IsIdentifier(string id)
    {
        foreach (char c in id)
        {
            if (!char.IsLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
