using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Pipeline.Local;

/// <summary>
/// Kestrel's socket buffers in 64 KiB blocks instead of its default 4 KiB. Kestrel reads a
/// socket into one block at a time, and each receive is a system call, a pipe flush and a
/// thread hand-off: sixteen times larger blocks take a photo's body in a sixteenth of the
/// receives (measured: reports/notes.md). Registered as the server's
/// <see cref="IMemoryPoolFactory{T}"/>, which Kestrel's socket transport takes its pools from.
/// </summary>
public sealed class LargeBlockPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>The size of every block.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Blocks a pool keeps for reuse (8 MiB); further returned blocks are left to the GC.</summary>
    public const int RetainedBlocks = 128;

    /// <inheritdoc/>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new Pool();

    private sealed class Pool : MemoryPool<byte>
    {
        private readonly ConcurrentBag<byte[]> _free = [];

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            if (minBufferSize > BlockSize)
                return new Block(null, new byte[minBufferSize]); // never asked for by Kestrel's pipes; not kept
            // Pinned: the socket layer pins a buffer for each I/O, and blocks live long enough
            // to be promoted, so they are kept out of the compacting heap from the start.
            return new Block(this, _free.TryTake(out var array) ? array : GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
        }

        public void Return(byte[] array)
        {
            if (_free.Count < RetainedBlocks)
                _free.Add(array);
        }

        protected override void Dispose(bool disposing) => _free.Clear();
    }

    private sealed class Block(Pool? pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
                pool?.Return(array);
        }
    }
}
