using System.Collections.Concurrent;

namespace Pipeline.Imaging.Isolation;

/// <summary>
/// Converts images in converter processes (<see cref="ConverterHost"/>), one image at a time
/// each, up to <see cref="MaxProcesses"/> at once. A process is started when none is idle and
/// kept for the next image; one that died, was killed for overrunning its budget or for a
/// cancellation is replaced by a fresh one. What any image does inside its process (a decoder
/// that allocates without end, loops, or crashes) costs that image alone: the caller gets a
/// <see cref="Errors.PipelineException"/> and the next image a healthy process.
/// </summary>
public sealed class IsolatedConverter : IAsyncDisposable
{
    private readonly ConverterCommand _command;
    private readonly ImagingLimits _limits;
    private Task<ConverterProcess>? _warming;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<ConverterProcess> _idle = [];

    /// <summary>Creates a converter that starts <paramref name="command"/> as needed, at most <paramref name="maxProcesses"/> at once.</summary>
    public IsolatedConverter(ConverterCommand command, ImagingLimits limits, int maxProcesses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcesses, 1);
        _command = command;
        _limits = limits;
        MaxProcesses = maxProcesses;
        _slots = new SemaphoreSlim(maxProcesses, maxProcesses);
        // Each conversion blocks a pool thread for its exchange with its process: the pool keeps
        // that many more threads ready, so that timers (the CPU watch) and I/O continuations never
        // wait for it to grow while conversions run.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(workers + maxProcesses, completionPorts);
    }

    /// <summary>
    /// What the process's own runtime may take on top of an image's budget: code loaded on first
    /// use (OpenCV's data, a JIT-compiled host's methods) and the garbage collector's commit
    /// granularity. It is a ceiling for the limit, not a reservation: the decode budget counts
    /// only what the image needs.
    /// </summary>
    public const long RuntimeSlackBytes = 64L << 20;

    /// <summary>The most converter processes (and conversions) at once.</summary>
    public int MaxProcesses { get; }

    /// <summary>The process ids of the processes waiting for an image (for tests that watch them).</summary>
    internal IReadOnlyCollection<int> IdleProcessIds => [.. _idle.Select(p => p.Id)];

    /// <summary>Recognises the image and checks it against the limits (in this process: no native code runs); see <see cref="ImageInspector"/>.</summary>
    public ImageInfo Inspect(ReadOnlySpan<byte> encoded)
    {
        var info = ImageInspector.Inspect(encoded);
        _limits.Check(info);
        return info;
    }

    /// <summary>
    /// Starts one process in the background (a function's init phase), so that the first image
    /// finds it ready, or nearly; the first conversion waits for it.
    /// </summary>
    public void WarmUp() => _warming ??= ConverterProcess.StartAsync(_command, _limits.MaxPixels, CancellationToken.None);

    /// <summary>Starts one process and waits until it is ready.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken) =>
        _idle.Add(await ConverterProcess.StartAsync(_command, _limits.MaxPixels, cancellationToken));

    /// <summary>
    /// Converts <paramref name="request"/> within <paramref name="budget"/>; throws a
    /// <see cref="Errors.PipelineException"/> for an image that cannot be converted (including
    /// <see cref="Errors.ErrorCode.TooExpensive"/> for one that overran its budget), and
    /// <see cref="OperationCanceledException"/> when cancelled (the conversion is stopped).
    /// </summary>
    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, ConversionBudget budget, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        ConverterProcess? process = null;
        try
        {
            if (Interlocked.Exchange(ref _warming, null) is { } warming)
                _idle.Add(await warming);
            process = _idle.TryTake(out var idle) && idle.IsUsable ? idle : null;
            if (process is null)
            {
                idle?.Dispose();
                process = await ConverterProcess.StartAsync(_command, _limits.MaxPixels, cancellationToken);
            }
            return await process.ConvertAsync(request, budget, cancellationToken);
        }
        finally
        {
            if (process is { IsUsable: true })
                _idle.Add(process);
            else
                process?.Dispose();
            _slots.Release();
        }
    }

    /// <summary>Ends every idle process.</summary>
    public ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var process))
            process.Dispose();
        _slots.Dispose();
        return ValueTask.CompletedTask;
    }
}
