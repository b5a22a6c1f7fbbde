using System.Globalization;

namespace Pipeline.Cli.Terminal;

/// <summary>Where a run stands: files sent, converted, failed and left, with the rate of this run and the time left at that rate.</summary>
/// <param name="Total">Files (or objects) the run covers.</param>
/// <param name="ToSend">How many of them this run uploads (or sends to the worker).</param>
/// <param name="Sent">How many it has uploaded (or sent) so far.</param>
/// <param name="Converted">Converted, now or before.</param>
/// <param name="Failed">Failed, with a reason.</param>
/// <param name="FinishedThisRun">Of those converted or failed, how many finished while this run waited (the rate counts these).</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="SentVerb">"uploaded" or "sent".</param>
public sealed record ProgressSnapshot(int Total, int ToSend, int Sent, int Converted, int Failed, int FinishedThisRun, TimeSpan Elapsed, string SentVerb)
{
    /// <summary>Neither converted nor failed yet.</summary>
    public int Remaining => Total - Converted - Failed;

    /// <summary>Jobs finished per second in this run.</summary>
    public double Rate => Elapsed.TotalSeconds > 0.5 ? FinishedThisRun / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at <see cref="Rate"/>, when there is a rate.</summary>
    public TimeSpan? Eta => Remaining == 0 ? TimeSpan.Zero : Rate > 0 ? TimeSpan.FromSeconds(Remaining / Rate) : null;

    /// <summary>The counts as one line of text, e.g. <c>uploaded 150/200, converted 118, failed 2, remaining 80, 9.5/s, ETA 0:08</c>.</summary>
    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"{SentVerb} {Sent}/{ToSend}, converted {Converted}, failed {Failed}, remaining {Remaining}, {Rate:0.0}/s, ETA {Duration(Eta)}");

    /// <summary>A duration as m:ss (h:mm:ss past an hour), or "?" when unknown.</summary>
    public static string Duration(TimeSpan? span) => span switch
    {
        null => "?",
        { TotalHours: >= 1 } s => s.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
        { } s => s.ToString(@"m\:ss", CultureInfo.InvariantCulture),
    };
}
