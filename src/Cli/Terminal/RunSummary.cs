using System.Globalization;
using Pipeline.Cli.Runs;

namespace Pipeline.Cli.Terminal;

/// <summary>The end of a convert or backfill run: each failure, then the summary line, and the exit status.</summary>
public static class RunSummary
{
    /// <summary>
    /// Awaits <paramref name="work"/>; true when it ended because <paramref name="cancellationToken"/>
    /// fired (whatever the stop interrupted: the job store reports a cancelled read as unavailable storage).
    /// </summary>
    public static async Task<bool> EndedByStopAsync(Task work, CancellationToken cancellationToken)
    {
        try
        {
            await work;
            return false;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>
    /// Prints each failure (its path under <paramref name="shownRoot"/> when given) and the line
    /// <c>&lt;n&gt; converted, &lt;m&gt; failed</c> with <paramref name="details"/>; returns the exit status.
    /// <paramref name="waited"/> is false when the run returned without waiting for the worker.
    /// </summary>
    public static int Print(RunTally tally, bool interrupted, string details, string? shownRoot = null, bool waited = true)
    {
        foreach (var failure in tally.Failures)
            Console.Out.WriteLine($"failed: {(shownRoot is null ? failure.Path : Path.Combine(shownRoot, failure.Path))}: {failure.Reason}");
        var s = tally.Snapshot();
        var summary = string.Create(CultureInfo.InvariantCulture, $"{s.Converted} converted, {s.Failed} failed");
        if (interrupted)
        {
            Console.Out.WriteLine($"{summary}; stopped with {s.Remaining} remaining ({details}): run the same command again to resume");
            return ExitCodes.Interrupted;
        }
        Console.Out.WriteLine(waited ? $"{summary} ({details})" : $"{summary}, {s.Remaining} pending ({details}; not waiting)");
        return s.Failed > 0 ? ExitCodes.SomeFailed : ExitCodes.Ok;
    }
}
