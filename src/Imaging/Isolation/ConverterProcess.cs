using System.Diagnostics;
using System.Globalization;
using Pipeline.Errors;

namespace Pipeline.Imaging.Isolation;

/// <summary>
/// One converter process (<see cref="ConverterHost"/>) and the limits it converts under. Before
/// each image its parent caps the process's data memory at what it holds now plus the image's
/// budget and <see cref="IsolatedConverter.RuntimeSlackBytes"/> (RLIMIT_DATA: allocations past it fail) and its
/// CPU time at what it has used plus the budget (RLIMIT_CPU as the kernel's backstop, and a
/// watch that kills it on the dot); a cancelled conversion kills it too. An image that overruns
/// fails alone, with <see cref="ErrorCode.TooExpensive"/> (or, when a decoder gives up quietly
/// at the limit, <see cref="ErrorCode.CorruptImage"/>); a process that died is not used again.
/// </summary>
internal sealed class ConverterProcess : IDisposable
{

    // How often a running conversion's CPU time is looked at.
    private static readonly TimeSpan CpuWatchInterval = TimeSpan.FromMilliseconds(50);

    // The pipes' buffer: a 12 MP image crosses in a few writes instead of one wake-up per 64 KiB
    // (Linux's default pipe-max-size, what an unprivileged process may ask for).
    private const int PipeBytes = 1 << 20;

    private readonly Process _process;
    private readonly Stream _requests;
    private readonly Stream _responses;
    private int _killedFor; // 0: not killed; else why (see Kill)
    private ConverterState? _state; // what the process reported with its last answer

    private const int KilledForCpu = 1, KilledForCancellation = 2;

    private ConverterProcess(Process process)
    {
        _process = process;
        _requests = process.StandardInput.BaseStream;
        _responses = process.StandardOutput.BaseStream;
        foreach (var pipe in new[] { _requests, _responses }.OfType<System.IO.Pipes.PipeStream>())
            ProcessLimits.WidenPipe(pipe, PipeBytes);
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>False once the process has died or was killed.</summary>
    public bool IsUsable => _killedFor == 0 && !_process.HasExited;

    /// <summary>Starts a converter and waits until it says it is ready.</summary>
    public static async Task<ConverterProcess> StartAsync(ConverterCommand command, long maxPixels, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
            start.ArgumentList.Add(argument);
        start.Environment[OpenCvRuntime.PixelLimitVariable] = maxPixels.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{command.FileName} did not start.");
        var converter = new ConverterProcess(process);
        try
        {
            ProcessLimits.ForbidCoreFiles(process.Id);
            var ready = new byte[1];
            await converter._responses.ReadExactlyAsync(ready, cancellationToken);
            if (ready[0] != ConverterProtocol.Ready)
                throw new InvalidDataException("The converter did not announce itself.");
            return converter;
        }
        catch
        {
            converter.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Converts one image within <paramref name="budget"/>. The limits are set from the state the
    /// process reported with its last answer (read from /proc only before its first image and
    /// after an answer that carried none), and the image and its result cross the pipes in one
    /// blocking exchange on a pool thread.
    /// </summary>
    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, ConversionBudget budget, CancellationToken cancellationToken)
    {
        int pid = _process.Id;
        var state = Interlocked.Exchange(ref _state, null) ?? new ConverterState(ProcessLimits.DataBytes(pid), ProcessLimits.CpuSeconds(pid));
        double cpuLimit = state.CpuSeconds + budget.CpuSeconds;
        ProcessLimits.LimitData(pid, state.DataBytes + budget.MemoryBytes + IsolatedConverter.RuntimeSlackBytes);
        ProcessLimits.LimitCpu(pid, (long)Math.Ceiling(cpuLimit));

        using var watch = new CancellationTokenSource();
        using var cancelled = cancellationToken.Register(() => Kill(KilledForCancellation));
        var cpuWatch = WatchCpuAsync(cpuLimit, watch.Token);
        try
        {
            return await Task.Run(() =>
            {
                ConverterProtocol.WriteRequest(_requests, request);
                ConverterState? reported = null;
                try
                {
                    return ConverterProtocol.ReadResponse(_responses, out reported);
                }
                finally
                {
                    _state = reported;
                }
            }, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or InvalidDataException)
        {
            await _process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw Died(budget);
        }
        finally
        {
            await watch.CancelAsync();
            await cpuWatch;
        }
    }

    /// <summary>Kills the process once its CPU time passes <paramref name="limitSeconds"/>, until <paramref name="stop"/>.</summary>
    private async Task WatchCpuAsync(double limitSeconds, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(CpuWatchInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (_process.HasExited)
                    return;
                if (ProcessLimits.CpuSeconds(_process.Id) >= limitSeconds)
                {
                    Kill(KilledForCpu);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The conversion ended.
        }
        catch (IOException)
        {
            // The process is gone (its /proc entry with it).
        }
    }

    private PipelineException Died(ConversionBudget budget)
    {
        // 128 + the signal: SIGXCPU (24) is the kernel's CPU limit, SIGKILL (9) ours or the kernel's out-of-memory killer.
        int exit = _process.ExitCode;
        if (_killedFor == KilledForCpu || exit == 128 + 24)
            return new PipelineException(ErrorCode.TooExpensive, $"Converting the image took more than {budget.CpuSeconds} s of CPU, more than an image of its size and format may; it was stopped.");
        if (exit == 128 + 9 || exit == 128 + 6)
            return new PipelineException(ErrorCode.TooExpensive, ConverterHost.TooMuchMemory);
        return new PipelineException(ErrorCode.CorruptImage, "The image could not be decoded: the decoder failed on it.");
    }

    private void Kill(int reason)
    {
        Interlocked.CompareExchange(ref _killedFor, reason, 0);
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Ends the process: its stdin is closed, and it is killed if it does not exit at once.</summary>
    public void Dispose()
    {
        try
        {
            _requests.Dispose();
            if (!_process.WaitForExit(TimeSpan.FromMilliseconds(500)))
                _process.Kill();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
