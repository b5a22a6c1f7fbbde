using Pipeline.Errors;

namespace Pipeline.Jobs;

/// <summary>
/// What a job is: one input key and where it stands (see <see cref="JobStore"/>). Only outputs
/// written for this very input count; of a result and a report both present (a delete that
/// failed after a write), the newer one decides.
/// </summary>
public sealed record JobState
{
    /// <summary>The input's key.</summary>
    public required string Key { get; init; }

    /// <summary>Pending, done or failed.</summary>
    public required JobStatus Status { get; init; }

    /// <summary>
    /// The ETag of the input version the result or report was written for. A report of a
    /// transient failure (processing gave up) records none: retrying may still succeed.
    /// </summary>
    public string? SourceETag { get; init; }

    /// <summary>Why it failed, when <see cref="Status"/> is <see cref="JobStatus.Failed"/>.</summary>
    public ErrorDetail? Error { get; init; }

    /// <summary>
    /// The input's current version, when the job was read from a listing of the input bucket
    /// (<see cref="JobStore.ListAsync"/>); null otherwise.
    /// </summary>
    public SourceObject? Input { get; init; }

    /// <summary>
    /// The ETag of the output that decides the state (the result when done, the report when
    /// failed), or null while pending. A client compares it with a copy it holds, and sees a
    /// new report (e.g. one left when processing gave up) as a new ETag.
    /// </summary>
    public string? OutputETag => Status switch
    {
        JobStatus.Done => Result?.ETag,
        JobStatus.Failed => Report?.ETag,
        _ => null,
    };

    /// <summary>
    /// True when the job failed for a reason of the service's (processing kept failing and gave
    /// up) rather than the input's: a redrive of its event may still convert it.
    /// </summary>
    public bool FailedTransiently => Status == JobStatus.Failed && SourceETag is null;

    /// <summary>The result object, when there is one for this input.</summary>
    internal StoredOutput? Result { get; init; }

    /// <summary>The report object, when there is one for this input.</summary>
    internal StoredOutput? Report { get; init; }

    /// <summary>
    /// True when an object the pipeline did not write for this input (no source-key metadata,
    /// or another input's) stands at the result key: it is never replaced or deleted.
    /// </summary>
    internal bool ResultKeyTaken { get; init; }

    /// <summary>True when such an object stands at the report key.</summary>
    internal bool ReportKeyTaken { get; init; }

    /// <summary>
    /// True when nothing is left to do for version <paramref name="etag"/>: its result, or a
    /// report that retrying cannot change, is what the job shows. Never for no version (null).
    /// </summary>
    public bool IsFinishedFor(string? etag) => etag is not null && SourceETag == etag && Status != JobStatus.Pending;

    /// <summary>The output that lost to the one deciding the state (the other of result and report), if any.</summary>
    internal StoredOutput? Stale => Status switch
    {
        JobStatus.Done => Report,
        JobStatus.Failed => Result,
        _ => null,
    };
}
