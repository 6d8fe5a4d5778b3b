using RefHeap;

namespace RefSafety.Samples;

/// <summary>REFS011 (Info): Tree.Parent closes a strong cycle with Tree.Children. REFS020: its finalizer can sit in that cycle.</summary>
public sealed class SampleTree : RefObject
{
    public RefList<SampleTree> Children = new();

    public SampleTree? Parent;

    public int Depth() => Parent is null ? 0 : 1 + Parent.Depth();

    protected override void OnFinalize() => System.Console.WriteLine("tree finalized");
}

/// <summary>Document.Pages + Page.Owner form a cycle (REFS011 on Owner) that holds the file handle.</summary>
public sealed class SampleDocument : RefObject
{
    public RefList<SamplePage> Pages = new();

    public SampleFileHandle? Handle;
}

/// <summary>REFS011: Owner is the back edge of Document.Pages + Page.Owner.</summary>
public sealed class SamplePage : RefObject
{
    public SampleDocument? Owner;
}

/// <summary>REFS020: held by the Document/Page cycle, so legacy mode never finalizes it.</summary>
public sealed class SampleFileHandle : RefObject
{
    protected override void OnFinalize() => System.Console.WriteLine("file closed");
}
