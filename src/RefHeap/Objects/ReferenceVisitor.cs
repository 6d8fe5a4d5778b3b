using System;

namespace RefHeap;

/// <summary>
/// Receives the strong references an object holds (CPython's <c>visitproc</c>). The collector, the deallocator
/// and the inspection tools are visitors; custom containers call <see cref="Visit"/> for each reference they hold.
/// </summary>
public abstract class ReferenceVisitor
{
    // A one-entry cache in front of the global layout table: traversals meet long runs of objects of one type,
    // so most visits skip the dictionary lookup.
    private Type? _cachedType;
    private TypeLayout? _cachedLayout;

    /// <summary>Called once for each strong reference; <paramref name="referent"/> may be null (an empty field).</summary>
    public abstract void Visit(RefObject? referent);

    /// <summary>Visits the strong instance fields of <paramref name="obj"/> (what the default <see cref="RefObject.Traverse"/> does).</summary>
    public void VisitFields(RefObject obj) => LayoutOf(obj).TraverseFields(obj, this);

    internal TypeLayout LayoutOf(RefObject obj)
    {
        Type type = obj.GetType();
        if (!ReferenceEquals(type, _cachedType))
        {
            _cachedLayout = TypeLayout.Of(type);
            _cachedType = type;
        }

        return _cachedLayout!;
    }
}
