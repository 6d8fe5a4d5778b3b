using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RefSafety.Tests;

/// <summary>
/// The keys of one .editorconfig section (<c>key = value</c> lines; headers and comments skipped), applied to every
/// file: what a project with that .editorconfig at its root gives each analyzer.
/// </summary>
public sealed class EditorConfigOptions : AnalyzerConfigOptions
{
    private readonly Dictionary<string, string> _values;

    public EditorConfigOptions(string editorConfig)
    {
        _values = editorConfig.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Contains('=') && !line.StartsWith('#') && !line.StartsWith(';') && !line.StartsWith('['))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim());
    }

    public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);

    /// <summary>These options as the analyzer options of a compilation.</summary>
    public AnalyzerOptions AsAnalyzerOptions() => new(ImmutableArray<AdditionalText>.Empty, new Provider(this));

    private sealed class Provider : AnalyzerConfigOptionsProvider
    {
        private readonly EditorConfigOptions _options;

        public Provider(EditorConfigOptions options) => _options = options;

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
    }
}
