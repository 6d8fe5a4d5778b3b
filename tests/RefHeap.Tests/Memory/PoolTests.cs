using RefHeap;
using Xunit;

namespace RefHeap.Tests.Memory;

/// <summary>The pool's block arithmetic: the multiply-and-shift division finds every block of every size class.</summary>
public class PoolTests
{
    [Fact]
    public void BlockOfFindsEveryBlockOfEverySizeClass()
    {
        var arena = new Arena();
        try
        {
            for (int sizeClass = 0; sizeClass < SizeClasses.Count; sizeClass++)
            {
                var pool = new Pool(arena, 0);
                pool.Assign(sizeClass);
                for (int block = 0; block < pool.Capacity; block++)
                {
                    uint first = pool.FirstBlockGranule + (uint)(block * pool.BlockGranules);
                    Assert.Equal(block, pool.BlockOf(first));
                }
            }
        }
        finally
        {
            AddressSpace.ReleaseArena(arena.FirstGranule);
        }
    }
}
