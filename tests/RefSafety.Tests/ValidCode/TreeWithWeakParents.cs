using System;
using RefHeap;

namespace Corpus.Tree;

/// <summary>Children are owned by their parent through a RefList; the parent link is weak, so there is no cycle.</summary>
public sealed class TreeNode : RefObject
{
    private readonly RefList<TreeNode> _children = new();
    private WeakRef<TreeNode>? _parent;

    public TreeNode(string name) => Name = name;

    public string Name { get; }

    public TreeNode? Parent => _parent?.Target;

    public int ChildCount => _children.Count;

    [return: NewReference]
    public TreeNode AddChild(string name)
    {
        var child = new TreeNode(name);
        child._parent = new WeakRef<TreeNode>(this);
        _children.Add(child); // the list keeps its own reference
        return child;         // and the caller gets the one from new
    }

    public string Path()
    {
        TreeNode? parent = Parent;
        return parent is null ? Name : parent.Path() + "/" + Name;
    }
}

public static class Program
{
    public static string Run()
    {
        var root = new TreeNode("root");
        try
        {
            using TreeNode docs = root.AddChild("docs");
            TreeNode readme = docs.AddChild("readme");
            string path = readme.Path();
            readme.DecRef();
            return path;
        }
        finally
        {
            root.DecRef();
        }
    }
}
