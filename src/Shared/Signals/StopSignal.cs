using System.Runtime.InteropServices;

namespace Pipeline.Signals;

/// <summary>
/// Turns Ctrl-C (SIGINT) and SIGTERM into a cancellation instead of the runtime's immediate
/// exit, so a command-line process can stop where it is and finish cleanly. A process started
/// with SIGINT ignored (<c>nohup</c>, a script's <c>&amp;</c>) keeps ignoring it: SIGTERM
/// still stops it.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    /// <summary>Starts listening for SIGINT and SIGTERM.</summary>
    public StopSignal()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    /// <summary>Cancelled once either signal arrives.</summary>
    public CancellationToken Token => _stop.Token;

    /// <inheritdoc/>
    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
