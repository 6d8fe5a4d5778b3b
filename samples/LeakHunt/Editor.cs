using System;
using RefHeap;

namespace LeakHunt;

/// <summary>
/// A small text editor: it opens documents, restyles them when the theme changes, and closes them. Every count in it
/// is balanced, so the analyzers have nothing to say; the leak is a reference that lives too long.
/// </summary>
internal sealed class Editor : IDisposable
{
    private readonly ThemeCache _themes = new();
    private readonly bool _weakListeners;

    /// <param name="weakListeners">
    /// False: a document's theme listener holds the document (the leak). True: it holds it weakly (the fix).
    /// </param>
    public Editor(bool weakListeners) => _weakListeners = weakListeners;

    /// <summary>The user opens a document, edits it and closes it.</summary>
    public void OpenEditClose(string title, params string[] paragraphs)
    {
        using var document = new Document(title, _themes.Current);
        using ThemeListener listener = _weakListeners ? new WeakDocumentListener(document, _themes) : new DocumentListener(document);
        _themes.Subscribe(listener);
        foreach (string text in paragraphs)
        {
            using var paragraph = new Paragraph(text);
            document.Paragraphs.Add(paragraph);
        }
    }

    /// <summary>Switches every open document to <paramref name="theme"/>; returns how many were restyled.</summary>
    public int ChangeTheme(string theme) => _themes.Change(theme);

    public void Dispose() => _themes.DecRef();
}

/// <summary>The editor's one theme cache, alive as long as the editor: the current theme and who to tell when it changes.</summary>
internal sealed class ThemeCache : RefObject
{
    public RefList<ThemeListener> Listeners = new();

    public string Current { get; private set; } = "light";

    public void Subscribe(ThemeListener listener) => Listeners.Add(listener);

    public void Unsubscribe(ThemeListener listener) => Listeners.Remove(listener);

    public int Change(string theme)
    {
        Current = theme;
        int restyled = 0;
        foreach (ThemeListener listener in Listeners)
        {
            restyled += listener.ThemeChanged(theme) ? 1 : 0;
        }

        return restyled;
    }
}

/// <summary>An event handler for theme changes.</summary>
internal abstract class ThemeListener : RefObject
{
    /// <summary>Applies the theme; false when there was nothing left to apply it to.</summary>
    public abstract bool ThemeChanged(string theme);
}

/// <summary>The leak: a strong reference from the long-lived cache to the document, which outlives its closing.</summary>
internal sealed class DocumentListener : ThemeListener
{
    public Document Owner;

    public DocumentListener(Document owner)
    {
        owner.IncRef();
        Owner = owner;
    }

    public override bool ThemeChanged(string theme)
    {
        Owner.Theme = theme;
        return true;
    }
}

/// <summary>
/// The fix: a weak reference (.NET's weak event pattern, Python's <c>weakref.WeakMethod</c>). When the document
/// dies, the reference's callback unsubscribes the listener, so dead listeners do not pile up either.
/// </summary>
internal sealed class WeakDocumentListener : ThemeListener
{
    public WeakRef<Document> Owner;

    public WeakDocumentListener(Document owner, ThemeCache themes) =>
        Owner = new WeakRef<Document>(owner, _ => themes.Unsubscribe(this));

    public override bool ThemeChanged(string theme)
    {
        if (!Owner.TryGetTarget(out Document? document))
        {
            return false;
        }

        document.Theme = theme;
        return true;
    }
}

/// <summary>An open document: its paragraphs and the theme it is shown in.</summary>
internal sealed class Document : RefObject
{
    public RefList<Paragraph> Paragraphs = new();

    public Document(string title, string theme)
    {
        Title = title;
        Theme = theme;
    }

    public string Title { get; }

    public string Theme { get; set; }

    public override string ToString() => Title;
}

/// <summary>A paragraph of text.</summary>
internal sealed class Paragraph : RefObject
{
    public Paragraph(string text) => Text = text;

    public string Text { get; }

    public override string ToString() => Text.Length > 20 ? Text[..20] + "..." : Text;
}
