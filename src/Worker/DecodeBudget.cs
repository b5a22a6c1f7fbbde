namespace Pipeline.Worker;

/// <summary>
/// A weighted semaphore over bytes of decode memory, so concurrent conversions cannot add up
/// to more than the process has: each takes its <see cref="ImageInfo.EstimatedPeakBytes"/>
/// before decoding and gives it back after. Waiters are served in arrival order, so a large
/// image is not starved by small ones. No one request may exceed the whole budget: an image
/// that would need more is refused before it gets here.
/// </summary>
public sealed class DecodeBudget
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Granted)> _waiters = new();
    private long _available;

    /// <summary>Creates a budget of <paramref name="capacityBytes"/>.</summary>
    public DecodeBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        Capacity = capacityBytes;
        _available = capacityBytes;
    }

    /// <summary>The total budget in bytes.</summary>
    public long Capacity { get; }

    /// <summary>
    /// Waits until <paramref name="bytes"/> (at most <see cref="Capacity"/>) are free and takes
    /// them until the lease is disposed.
    /// </summary>
    public async Task<IDisposable> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Capacity);
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                return new Lease(this, bytes);
            }
            node = _waiters.AddLast((bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        var granted = node.Value.Item2;
        using (cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                if (node.List is null)
                    return; // already granted: the caller gets its lease and releases it
                _waiters.Remove(node);
                GrantWaiting(); // those queued behind it may fit now
            }
            granted.TrySetCanceled(cancellationToken);
        }))
        {
            await granted.Task.ConfigureAwait(false);
        }
        return new Lease(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _available += bytes;
            GrantWaiting();
        }
    }

    // Called holding the gate: serve the queue from the front while the head fits.
    private void GrantWaiting()
    {
        while (_waiters.First is { } first && first.Value.Bytes <= _available)
        {
            _available -= first.Value.Bytes;
            _waiters.RemoveFirst();
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Lease(DecodeBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                budget.Release(bytes);
        }
    }
}
