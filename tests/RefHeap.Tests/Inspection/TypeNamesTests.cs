using System.Collections.Generic;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

public class TypeNamesTests
{
    [Theory]
    [InlineData(typeof(Node), "Node")]
    [InlineData(typeof(RefList<Node>), "RefList<Node>")]
    [InlineData(typeof(RefDictionary<string, RefList<Node>>), "RefDictionary<string, RefList<Node>>")]
    [InlineData(typeof(Outer.Inner), "Outer.Inner")]
    [InlineData(typeof(Outer<int>.Inner), "Outer<int>.Inner")]
    [InlineData(typeof(Outer<int>.Inner<string>), "Outer<int>.Inner<string>")]
    [InlineData(typeof(Outer<int>.Inner<string>.Deepest<Node, long>), "Outer<int>.Inner<string>.Deepest<Node, long>")]
    [InlineData(typeof(RefList<>), "RefList<T>")]
    [InlineData(typeof(Node[]), "Node[]")]
    [InlineData(typeof(int[,]), "int[,]")]
    [InlineData(typeof(int?), "int?")]
    [InlineData(typeof(KeyValuePair<string, int?>), "KeyValuePair<string, int?>")]
    public void NamesTypesAsCSharpSpellsThem(System.Type type, string expected) =>
        Assert.Equal(expected, TypeNames.Of(type));

    [Fact]
    public void NullTypeIsRefused() => Assert.Throws<System.ArgumentNullException>(() => TypeNames.Of(null!));
}

internal static class Outer
{
    internal sealed class Inner
    {
    }
}

internal static class Outer<T>
{
    internal sealed class Inner
    {
    }

    internal sealed class Inner<TInner>
    {
        internal sealed class Deepest<TA, TB>
        {
        }
    }
}
