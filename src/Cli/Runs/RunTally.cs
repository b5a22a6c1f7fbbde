using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Cli.Terminal;
using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>
/// The counts of a convert or backfill run and the failures it met, updated from the threads
/// that upload, send and download; <see cref="Snapshot"/> reads them for the progress display.
/// </summary>
public sealed class RunTally
{
    private readonly string _sentVerb;
    private readonly ConcurrentBag<Failure> _failures = [];
    private readonly Stopwatch _clock = new();
    private int _sent, _converted, _failed, _finishedThisRun;

    /// <summary>A tally whose sending is shown as <paramref name="sentVerb"/> ("uploaded" or "sent").</summary>
    public RunTally(string sentVerb) => _sentVerb = sentVerb;

    /// <summary>Files (or objects) the run covers.</summary>
    public int Total { get; set; }

    /// <summary>How many of them the run uploads (or sends to the worker).</summary>
    public int ToSend { get; set; }

    /// <summary>How many it has uploaded (or sent) so far.</summary>
    public int Sent => _sent;

    /// <summary>Each failure, in path order.</summary>
    public IReadOnlyList<Failure> Failures => [.. _failures.OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>Starts the run's clock.</summary>
    public void Start() => _clock.Start();

    /// <summary>Counts <paramref name="count"/> more uploaded (or sent).</summary>
    public void AddSent(int count = 1) => Interlocked.Add(ref _sent, count);

    /// <summary>Counts the finished <paramref name="job"/> of <paramref name="path"/>: converted, or failed with its report's reason.</summary>
    public void Finished(string path, JobState job, bool thisRun)
    {
        if (job.Status == JobStatus.Done)
        {
            Interlocked.Increment(ref _converted);
            if (thisRun)
                Interlocked.Increment(ref _finishedThisRun);
        }
        else
        {
            Fail(path, job.Error is { } error ? $"{error.Code}: {error.Message}" : "failed", thisRun);
        }
    }

    /// <summary>Counts <paramref name="path"/> as failed for <paramref name="reason"/>; <paramref name="thisRun"/> when it ended while this run waited.</summary>
    public void Fail(string path, string reason, bool thisRun = false)
    {
        _failures.Add(new Failure(path, reason));
        Interlocked.Increment(ref _failed);
        if (thisRun)
            Interlocked.Increment(ref _finishedThisRun);
    }

    /// <summary>The counts so far.</summary>
    public ProgressSnapshot Snapshot() => new(Total, ToSend, _sent, _converted, _failed, _finishedThisRun, _clock.Elapsed, _sentVerb);
}
