using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Cli.Progress;
using Pipeline.Jobs;

namespace Pipeline.Cli.Jobs;

/// <summary>
/// One run of <c>backfill</c>: every input under a prefix whose job is not finished for its
/// current version is sent to the worker's queue as an ObjectCreated notification (nothing is
/// uploaded), then, unless told not to, the run waits until each of those jobs is over.
/// </summary>
public sealed class BackfillRun
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    // An input overwritten while waiting gets its own event (and a later run's backfill if not).
    private const string Changed = "overwritten or deleted in the bucket before its job finished (an overwrite is converted through its own event)";

    private readonly JobStore _store;
    private readonly NotificationSender _queue;
    private readonly string _prefix;
    private readonly Action<string> _say;
    private readonly ConcurrentBag<Failure> _failures = [];
    private readonly Stopwatch _clock = new();
    private int _total, _toSend, _sent, _converted, _failed, _finishedThisRun;

    /// <summary>Creates a run over the inputs under <paramref name="prefix"/>.</summary>
    public BackfillRun(JobStore store, NotificationSender queue, string prefix, Action<string> say)
    {
        _store = store;
        _queue = queue;
        _prefix = prefix;
        _say = say;
    }

    /// <summary>How many were sent; the rest were already finished for their version.</summary>
    public int Sent => _sent;

    /// <summary>Each failure, by key.</summary>
    public IReadOnlyList<Failure> Failures => [.. _failures.OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>The counts so far.</summary>
    public ProgressSnapshot Snapshot() => new(_total, _toSend, _sent, _converted, _failed, _finishedThisRun, _clock.Elapsed, "sent");

    /// <summary>Sends, then waits (when <paramref name="wait"/>) until every job sent is over.</summary>
    public async Task RunAsync(bool wait, CancellationToken cancellationToken)
    {
        _clock.Start();
        var jobs = await _store.ListAsync(_prefix, cancellationToken);
        _total = jobs.Count;
        var toSend = new List<JobState>();
        foreach (var job in jobs)
        {
            if (!job.IsFinishedFor(job.Input!.ETag))
                toSend.Add(job);
            else
                Count(job, thisRun: false);
        }
        _toSend = toSend.Count;
        _say($"{jobs.Count} inputs under s3://{_store.Storage.InputBucket}/{_prefix}: {toSend.Count} to send to the worker, {jobs.Count - toSend.Count} already finished for their current version");
        await _queue.SendAsync(toSend.Select(j => j.Input!).ToList(), n => Interlocked.Add(ref _sent, n), cancellationToken);
        if (!wait)
            return;

        var waiter = new JobWaiter(_store, _prefix);
        foreach (var job in toSend)
            waiter.Add(job.Key, job.Input!.ETag, job.OutputETag);
        while (waiter.Count > 0)
        {
            var round = await waiter.PollAsync(cancellationToken);
            foreach (var job in round.Over)
                Count(job, thisRun: true);
            foreach (var key in round.Changed)
            {
                _failures.Add(new Failure(key, Changed));
                Interlocked.Increment(ref _failed);
                Interlocked.Increment(ref _finishedThisRun);
            }
            if (waiter.Count > 0)
                await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private void Count(JobState job, bool thisRun)
    {
        if (job.Status == JobStatus.Done)
        {
            Interlocked.Increment(ref _converted);
        }
        else
        {
            _failures.Add(new Failure(job.Key, job.Error is { } error ? $"{error.Code}: {error.Message}" : "failed"));
            Interlocked.Increment(ref _failed);
        }
        if (thisRun)
            Interlocked.Increment(ref _finishedThisRun);
    }
}
