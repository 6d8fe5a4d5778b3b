using System.Collections.Generic;

namespace RefHeap;

/// <summary>A visitor that lists the non-null strong references an object holds, in traversal order.</summary>
internal sealed class ReferentCollector : ReferenceVisitor
{
    public List<RefObject> Referents { get; } = new();

    public override void Visit(RefObject? referent)
    {
        if (referent is not null)
        {
            Referents.Add(referent);
        }
    }
}
