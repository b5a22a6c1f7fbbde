using Pipeline.Cli.Storage;
using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>
/// One run of <c>backfill</c>: every input under a prefix whose job is not finished for its
/// current version is sent to the worker's queue as an ObjectCreated notification (nothing is
/// uploaded), then, unless told not to, the run waits until each of those jobs is over.
/// </summary>
public sealed class BackfillRun
{
    // An input overwritten while waiting gets its own event (and a later run's backfill if not).
    private const string Changed = "overwritten or deleted in the bucket before its job finished (an overwrite is converted through its own event)";

    private readonly JobStore _store;
    private readonly NotificationSender _queue;
    private readonly string _prefix;
    private readonly Action<string> _say;

    /// <summary>Creates a run over the inputs under <paramref name="prefix"/>.</summary>
    public BackfillRun(JobStore store, NotificationSender queue, string prefix, Action<string> say)
    {
        _store = store;
        _queue = queue;
        _prefix = prefix;
        _say = say;
    }

    /// <summary>The run's counts and failures (by key); objects already finished for their version are not sent.</summary>
    public RunTally Tally { get; } = new("sent");

    /// <summary>Sends, then waits (when <paramref name="wait"/>) until every job sent is over.</summary>
    public async Task RunAsync(bool wait, CancellationToken cancellationToken)
    {
        Tally.Start();
        var jobs = await _store.ListAsync(_prefix, cancellationToken);
        Tally.Total = jobs.Count;
        var toSend = new List<JobState>();
        foreach (var job in jobs)
        {
            if (!job.IsFinishedFor(job.Input!.ETag))
                toSend.Add(job);
            else
                Tally.Finished(job.Key, job, thisRun: false);
        }
        Tally.ToSend = toSend.Count;
        _say($"{jobs.Count} inputs under s3://{_store.Storage.InputBucket}/{_prefix}: {toSend.Count} to send to the worker, {jobs.Count - toSend.Count} already finished for their current version");
        await _queue.SendAsync(toSend.Select(j => j.Input!).ToList(), Tally.AddSent, cancellationToken);
        if (!wait)
            return;

        var waiter = new JobWaiter(_store, _prefix);
        foreach (var job in toSend)
            waiter.Add(job.Key, job.Input!.ETag!, job.OutputETag); // a listing names every version
        await waiter.WaitAllAsync(Task.CompletedTask, round =>
        {
            foreach (var job in round.Over)
                Tally.Finished(job.Key, job, thisRun: true);
            foreach (var key in round.Changed)
                Tally.Fail(key, Changed, thisRun: true);
            return Task.CompletedTask;
        }, waiting => _say(waiter.StallMessage(waiting)), cancellationToken);
    }
}
