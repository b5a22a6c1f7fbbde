using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.Tests;

/// <summary>A process started by a test, its output kept in memory for assertions and diagnostics.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>A short name for messages.</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Every line written to stdout or stderr so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int count = 40) => string.Join('\n', _lines.TakeLast(count));

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> and extra environment variables.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = Tools.StartInfo(fileName, arguments, environment, workingDirectory);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until a line of output satisfies <paramref name="predicate"/>.</summary>
    public Task WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout) => WaitForLinesAsync(predicate, 1, timeout);

    /// <summary>Waits until <paramref name="count"/> lines of output (or more) satisfy <paramref name="predicate"/>.</summary>
    public async Task WaitForLinesAsync(Func<string, bool> predicate, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_lines.Count(predicate) < count)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}):\n{Tail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} did not print the expected line within {timeout}:\n{Tail()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the process has exited by itself and its output has all been read.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}:\n{Tail()}");
        }
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything, as when a machine dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, then waits for a clean exit (SIGKILL after <paramref name="grace"/>).</summary>
    public Task StopAsync(TimeSpan? grace = null) => SignalAsync("TERM", grace);

    /// <summary>SIGINT, as Ctrl-C in a terminal sends, then waits for a clean exit (SIGKILL after <paramref name="grace"/>).</summary>
    public Task InterruptAsync(TimeSpan? grace = null) => SignalAsync("INT", grace);

    private async Task SignalAsync(string signal, TimeSpan? grace)
    {
        if (_process.HasExited)
            return;
        Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
