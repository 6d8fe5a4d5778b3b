using System.IO;
using RefHeap;

namespace Lifecycle;

/// <summary>The talk's <c>Node</c>: a name, a strong reference to the next node, and a finalizer (<c>__del__</c>) that says when it runs.</summary>
internal sealed class Node : RefObject
{
    private readonly TextWriter _log;

    public Node(string name, TextWriter log)
    {
        Name = name;
        _log = log;
    }

    public string Name { get; }

    public Node? Next;

    public override string ToString() => $"Node('{Name}')";

    protected override void OnFinalize() => _log.WriteLine($"  {this} finalized");
}

/// <summary>A small untracked object (no references), for filling the allocator's pools.</summary>
internal sealed class Record : RefObject
{
    public Record(long value) => Value = value;

    public long Value { get; }
}
