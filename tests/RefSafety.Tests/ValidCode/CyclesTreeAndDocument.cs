using System;
using RefHeap;

namespace RefSafety.Tests.ValidCode.Cycles;

/// <summary>A tree whose children are owned by a list and whose parent pointer is weak: no cycle anywhere.</summary>
public sealed class TreeNode : RefObject
{
    private readonly RefList<TreeNode> _children = new();
    private WeakRef<TreeNode>? _parent;
    private FileHandle? _handle;

    public TreeNode(string name) => Name = name;

    public string Name { get; }

    public TreeNode? Parent => _parent?.Target;

    public int Count => _children.Count;

    public void Add(TreeNode child)
    {
        _children.Add(child);
        child._parent = new WeakRef<TreeNode>(this);
    }

    public bool Remove(TreeNode child)
    {
        child._parent = null;
        return _children.Remove(child);
    }

    public void Open(string path) => RefField.Move(ref _handle, new FileHandle(path));

    public int Depth()
    {
        int depth = 0;
        for (TreeNode? node = Parent; node is not null; node = node.Parent)
        {
            depth++;
        }

        return depth;
    }

    protected override void OnFinalize() => Console.WriteLine($"{Name} closed");
}

/// <summary>A finalizer held only by acyclic owners: it runs when the count reaches zero.</summary>
public sealed class FileHandle : RefObject
{
    public FileHandle(string path) => Path = path;

    public string Path { get; }

    protected override void OnFinalize() => Console.WriteLine($"{Path} released");
}

/// <summary>A view that points into a tree: a finalizer type that only points into structures dies by counting.</summary>
public sealed class TreeView : RefObject
{
    private TreeNode? _root;

    public void Show(TreeNode root) => RefField.Set(ref _root, root);

    public void Hide() => RefField.Clear(ref _root);

    protected override void OnFinalize() => Console.WriteLine("view closed");
}

/// <summary>Builds and tears down structures; every temporary cycle is broken before the method returns.</summary>
public static class TreeBuilder
{
    public static TreeNode Build(int width)
    {
        var root = new TreeNode("root");
        for (int i = 0; i < width; i++)
        {
            var child = new TreeNode($"child {i}");
            root.Add(child);
            child.DecRef();
        }

        return root;
    }

    public static void SwapNeighbours(Link a, Link b)
    {
        RefField.Set(ref a.Next, b);
        RefField.Set(ref b.Next, a);
        try
        {
            Console.WriteLine("linked both ways for a moment");
        }
        finally
        {
            RefField.Clear(ref b.Next);
        }
    }

    public static Link Chain(int length)
    {
        var head = new Link();
        Link last = head;
        for (int i = 1; i < length; i++)
        {
            var next = new Link();
            last.Next = next;
            last = next;
        }

        return head;
    }
}

/// <summary>A singly linked node: a plain Next is no type cycle (REFS011 leaves it alone).</summary>
public sealed class Link : RefObject
{
    public Link? Next;

    public WeakRef<Link>? Previous;
}
