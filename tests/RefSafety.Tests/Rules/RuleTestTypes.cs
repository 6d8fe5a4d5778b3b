namespace RefSafety.Tests.Rules;

/// <summary>The RefHeap types the balance-rule tests share.</summary>
internal static class RuleTestTypes
{
    public const string Source = @"
using System;
using System.Threading.Tasks;
using RefHeap;

class Node : RefObject { public Node? Next; public void Touch() { } }

class Holder : RefObject
{
    public Node? Child;
    public static Node? Cache;
}

static class Api
{
    [return: NewReference] public static Node Create() => new Node();
    [return: BorrowedReference] public static Node Peek(Holder holder) => holder.Child!;
    public static void Consume([StealsReference] Node node) => node.DecRef();
    public static void Inspect(Node node) => node.Touch();
}
";
}
