using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RefHeap;
using RefSafety.Samples;

namespace LeakHunt;

/// <summary>
/// The editor's memory grows with every document opened and closed. These are the steps that find out why, in the
/// order a user takes them, each printed: what grew, which objects, who holds them, the picture, and the fix.
/// </summary>
public sealed class Hunt
{
    private const int Documents = 5;

    private readonly TextWriter _out;
    private readonly string _outputDirectory;
    private readonly GraphvizRenderer _renderer;
    private readonly HeapInspector _inspector = new();

    private Hunt(TextWriter output, string outputDirectory, GraphvizRenderer renderer)
    {
        _out = output;
        _outputDirectory = outputDirectory;
        _renderer = renderer;
    }

    /// <summary>Runs the hunt, printing to <paramref name="output"/>; the pictures go to <paramref name="outputDirectory"/>.</summary>
    /// <param name="output">Where the steps are printed (the console, or a test's writer).</param>
    /// <param name="outputDirectory">Created if missing; receives the .dot files and, with Graphviz, the .svg pictures.</param>
    /// <param name="renderer">The Graphviz program to draw with; by default <c>dot</c> on <c>PATH</c>.</param>
    public static void Run(TextWriter output, string outputDirectory, GraphvizRenderer? renderer = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var heap = new Heap { DebugOutput = output };
        using (heap.Activate())
        {
            new Hunt(output, outputDirectory, renderer ?? new GraphvizRenderer()).FindAndFix();
            output.WriteLine($"live objects at the end: {heap.LiveObjectCount}");
        }
    }

    private void Step(string title)
    {
        _out.WriteLine();
        _out.WriteLine($"== {title} ==");
    }

    private void Say(FormattableString line) => _out.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    private void FindAndFix()
    {
        Say($"The editor opens, edits and closes {Documents} documents; its memory grows each time.");
        _inspector.StartTracing(); // only for the allocation sites of step 2; costs a stack trace per object

        using (var leaky = new Editor(weakListeners: false))
        {
            Step("1. What grew (snapshots before and after, by type: count, change, bytes added)");
            foreach (HeapStatisticDiff type in Growth(leaky))
            {
                Say($"{type.Key,-20} {type.Count,3} {type.CountDiff,+4:+0;-0;0} {type.SizeDiff,+7:+0;-0;0} B");
            }

            Say($"Gc.Collect() = {Gc.Collect()}: not a cycle; something reachable still holds them");
            Say($"ChangeTheme(\"dark\") restyled {leaky.ChangeTheme("dark")} documents, though every one was closed");

            Step("2. Objects by type");
            IReadOnlyList<RefObject> documents = _inspector.ByType("Document");
            foreach (RefObject document in documents)
            {
                Say($"{document}: RefCount {document.RefCount}, allocated at {_inspector.GetAllocationSite(document)}");
            }

            Step("3. Who holds it (the back-reference chain)");
            RefObject leaked = documents[0];
            IReadOnlyList<RefObject> chain = _inspector.FindBackrefChain(leaked);
            Say($"FindBackrefChain({leaked}): {string.Join(" -> ", chain.Select(o => TypeNames.Of(o.GetType())))}");

            Step("4. The picture");
            GraphFiles.Write(_out, _inspector.ShowChain(chain), _outputDirectory, "leakhunt-chain", "ShowChain(chain)", _renderer);
            GraphFiles.Write(_out, _inspector.ShowBackrefs(new[] { leaked }), _outputDirectory, "leakhunt-backrefs", $"ShowBackrefs([{leaked}])", _renderer);
            GraphFiles.Write(_out, _inspector.ShowRefs(new[] { chain[0] }), _outputDirectory, "leakhunt-cache", $"ShowRefs([{TypeNames.Of(chain[0].GetType())}])", _renderer);
            Say($"The edge labels name the field that keeps the document: DocumentListener.Owner, a strong reference");
            Say($"from the editor's long-lived ThemeCache. Closing a document never unsubscribes its listener.");
        }

        Step("5. The fix: a weak listener (WeakRef<Document>), unsubscribed by its callback");
        using (var fixedEditor = new Editor(weakListeners: true))
        {
            IReadOnlyList<HeapStatisticDiff> growth = Growth(fixedEditor);
            Say($"growth after {Documents} more documents: {(growth.Count == 0 ? "none" : string.Join(", ", growth.Select(g => $"{g.Key} {g.CountDiff:+0;-0}")))}");
            Say($"ChangeTheme(\"dark\") restyled {fixedEditor.ChangeTheme("dark")} documents: the closed ones are gone");
        }

        _inspector.StopTracing();
    }

    /// <summary>tracemalloc's compare_to by type: the types whose count <see cref="Documents"/> open-edit-close rounds changed.</summary>
    private IReadOnlyList<HeapStatisticDiff> Growth(Editor editor)
    {
        HeapSnapshot before = _inspector.TakeSnapshot();
        for (int i = 1; i <= Documents; i++)
        {
            editor.OpenEditClose($"report-{i}.md", "Quarterly figures", "Risks and open questions", "Next steps");
        }

        return _inspector.TakeSnapshot().CompareTo(before, SnapshotGrouping.Type).Where(type => type.CountDiff != 0).ToList();
    }
}
