using System.Runtime.InteropServices;
using Pipeline.Local;

namespace Pipeline.Tests.Local;

public sealed class LargeBlockPoolFactoryTests
{
    [Fact]
    public void Blocks_are_64_KiB_whatever_smaller_size_is_asked_for()
    {
        using var pool = new LargeBlockPoolFactory().Create();

        using var small = pool.Rent(2048);
        using var any = pool.Rent();

        Assert.Equal(LargeBlockPoolFactory.BlockSize, pool.MaxBufferSize);
        Assert.Equal(LargeBlockPoolFactory.BlockSize, small.Memory.Length);
        Assert.Equal(LargeBlockPoolFactory.BlockSize, any.Memory.Length);
    }

    [Fact]
    public void A_returned_block_is_reused_and_one_returned_twice_is_handed_out_once()
    {
        using var pool = new LargeBlockPoolFactory().Create();
        var first = pool.Rent();
        var array = Array(first.Memory);

        first.Dispose();
        first.Dispose();
        using var second = pool.Rent();
        using var third = pool.Rent();

        Assert.Same(array, Array(second.Memory));
        Assert.NotSame(array, Array(third.Memory));
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
    }

    private static byte[] Array(Memory<byte> memory) =>
        MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
