using System;
using RefHeap;

namespace Hazards;

/// <summary>A document: its pages, and the font its text is set in.</summary>
public sealed class Document : RefObject
{
    public Document(string title, FontHandle font)
    {
        Title = title;
        RefField.Set(ref Font, font);
    }

    public string Title { get; }

    public RefList<Page> Pages = new();

    public FontHandle? Font;

    /// <summary>Appends a new page.</summary>
    public void AddPage()
    {
        var page = new Page(Pages.Count + 1);
        Pages.Add(page);
        page.DecRef(); // the list keeps its own reference
        // REFS010: this store closes the cycle document.Pages[] -> page.Owner -> document, which reference counting
        // alone never frees: releasing the document leaves both alive until Gc.Collect().
        // Fix: make Owner a WeakRef<Document> (the "Make 'Owner' a weak reference" code fix does it).
        RefField.Set(ref page.Owner, this);
    }

    // REFS004: a [NewReference] method promises the caller a reference it owns, but Pages[0] is borrowed from the
    // list; the caller's DecRef will free the page under the document's feet.
    // Fix: IncRef before returning it (the "IncRef before escaping" code fix), or make the result [BorrowedReference].
    [return: NewReference]
    public Page FirstPage() => Pages[0];
}

/// <summary>A page of a document.</summary>
public sealed class Page : RefObject
{
    public Page(int number) => Number = number;

    public int Number { get; }

    // REFS011: Document.Pages[] -> Page.Owner -> Document is a strong cycle in the type graph: every document with a
    // page is a cycle that only the collector frees. Fix: make the back edge weak, WeakRef<Document>.
    public Document? Owner;

    public override string ToString() => $"page {Number}";
}

/// <summary>A font the renderer has loaded; closing it is worth a log line.</summary>
public sealed class FontHandle : RefObject
{
    public FontHandle(string name) => Name = name;

    public string Name { get; }

    // REFS020: documents hold their font, and documents sit in a cycle with their pages, so this finalizer runs only
    // when the collector gets to the cycle (and under FinalizationMode.Legacy never: the cycle goes to Gc.Garbage).
    // Fix: break the cycle (REFS011), or close the font explicitly in a Close() method instead of a finalizer.
    protected override void OnFinalize() => Console.WriteLine($"font '{Name}' closed");
}
