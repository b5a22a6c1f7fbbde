using System.Runtime.InteropServices;

namespace Pipeline.Cli.Terminal;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation: the process is not killed, the command's
/// token fires and the command stops cleanly. The one place the CLI listens for them.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Listens until disposed.</summary>
    public StopSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, Stop))];
    }

    /// <summary>Fires at the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>True once a signal came.</summary>
    public bool Stopped => _stop.IsCancellationRequested;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
