using System.Diagnostics;
using Pipeline.Jobs;

namespace Pipeline.Cli.Runs;

/// <summary>
/// The jobs a command waits for, each for one input version, polled together through the job
/// store (one listing of the output bucket, then a look only at keys that have an output).
/// A job is over when it is finished for that version, or when a report that records no
/// version (processing gave up) appears or changes while waiting. One whose input is
/// overwritten or deleted before it finishes can never finish for that version: it is given
/// up on as changed.
/// </summary>
public sealed class JobWaiter
{
    /// <summary>How often <see cref="WaitAllAsync"/> reads the awaited jobs.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long no job may end, once nothing more is being added, before <see cref="WaitAllAsync"/> says so.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What a command says when no job has ended for <see cref="StallAfter"/> while <paramref name="waiting"/> wait.</summary>
    public string StallMessage(int waiting) =>
        $"no job has finished for {StallAfter.TotalSeconds:0} s while {waiting} wait: no worker seems to be converting. Check that it runs: "
        + "locally, ./run.sh stops when its worker dies and logs it to artifacts/logs/worker.log; on AWS, the worker function's logs.";

    private readonly JobStore _store;
    private readonly string _prefix;
    private readonly Dictionary<string, Awaited> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a waiter for jobs under <paramref name="prefix"/>.</summary>
    public JobWaiter(JobStore store, string prefix)
    {
        _store = store;
        _prefix = prefix;
    }

    /// <summary>Jobs still awaited.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _waiting.Count;
        }
    }

    /// <summary>
    /// Waits for the job of <paramref name="key"/> to finish for version <paramref name="etag"/>;
    /// <paramref name="outputETag"/> is the output it has now (a report that records no version
    /// counts only once it differs).
    /// </summary>
    public void Add(string key, string etag, string? outputETag)
    {
        lock (_gate)
            _waiting[key] = new Awaited(etag, outputETag);
    }

    /// <summary>
    /// The one poll loop of the commands that wait: reads every awaited job each
    /// <see cref="PollInterval"/> and hands the round to <paramref name="onRound"/>, until
    /// nothing is awaited and <paramref name="adding"/> (work that may still add jobs, such as
    /// uploads) has completed. When no job has ended for <see cref="StallAfter"/> after
    /// <paramref name="adding"/> completed, <paramref name="onStall"/> hears once how many still wait.
    /// </summary>
    public async Task WaitAllAsync(Task adding, Func<WaitRound, Task> onRound, Action<int> onStall, CancellationToken cancellationToken)
    {
        var sinceProgress = Stopwatch.StartNew();
        bool stalled = false;
        while (true)
        {
            bool addingDone = adding.IsCompleted; // read before polling: what it added is in this round
            var round = await PollAsync(cancellationToken);
            await onRound(round);
            if (addingDone && Count == 0)
                return;
            if (round.Over.Count + round.Changed.Count > 0 || !addingDone)
                sinceProgress.Restart();
            else if (!stalled && sinceProgress.Elapsed > StallAfter)
            {
                stalled = true;
                onStall(Count);
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Reads every awaited job once; returns those that are over, and the keys of those whose
    /// input changed (overwritten or deleted) before they finished, and stops awaiting both.
    /// </summary>
    public async Task<WaitRound> PollAsync(CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, Awaited>> awaited;
        lock (_gate)
            awaited = [.. _waiting];
        if (awaited.Count == 0)
            return new WaitRound([], []);
        // Versions first: a job that finishes after this listing is still seen as over below.
        var versions = await _store.InputVersionsAsync(_prefix, cancellationToken);
        var states = await _store.ReadManyAsync(_prefix, awaited.Select(a => a.Key).ToList(), cancellationToken);
        var over = new List<JobState>();
        var changed = new List<string>();
        lock (_gate)
        {
            for (int i = 0; i < states.Count; i++)
            {
                var (key, wanted) = awaited[i];
                var state = states[i];
                if (!_waiting.TryGetValue(key, out var current) || current != wanted)
                    continue; // awaited again meanwhile, for another version or output
                bool gaveUp = state.FailedTransiently && state.OutputETag != wanted.OutputETag;
                if (state.IsFinishedFor(wanted.ETag) || gaveUp)
                {
                    _waiting.Remove(key);
                    over.Add(state);
                }
                else if (versions.GetValueOrDefault(key) != wanted.ETag)
                {
                    _waiting.Remove(key);
                    changed.Add(key);
                }
            }
        }
        return new WaitRound(over, changed);
    }

    private sealed record Awaited(string ETag, string? OutputETag);
}
