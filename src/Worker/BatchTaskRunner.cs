using System.Diagnostics;
using System.Net;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Jobs;
using Pipeline.Lambda;
using Pipeline.Worker.Events;

namespace Pipeline.Worker;

/// <summary>
/// Runs the tasks of an S3 Batch Operations invocation through the same
/// <see cref="ObjectProcessor"/> the queue's events use, and tells S3 what to record per task:
/// <c>Succeeded</c> (converted now or before, or a folder marker), <c>PermanentFailure</c> with
/// the reason (the image was refused: its <c>.error.json</c> says the same; the object is gone;
/// another bucket; objects the pipeline did not write in the way) or <c>TemporaryFailure</c>
/// (storage errors, the deadline, an object replaced mid-conversion), which S3 retries. A task converts the object's current version: the buckets
/// are not versioned, so a manifest's version id is not used.
/// </summary>
public sealed class BatchTaskRunner
{
    // The completion report keeps each result string; a line of text is plenty.
    private const int MaxResultChars = 512;

    private readonly ObjectProcessor _processor;
    private readonly JobStore _store;
    private readonly JsonLog _log;

    /// <summary>Creates a runner for tasks on the input bucket of <paramref name="store"/>.</summary>
    public BatchTaskRunner(ObjectProcessor processor, JobStore store, JsonLog log)
    {
        _processor = processor;
        _store = store;
        _log = log;
    }

    /// <summary>Runs every task of <paramref name="batch"/> (S3 sends one) and answers with a result for each.</summary>
    public async Task<S3BatchJobResponse> RunAsync(S3BatchJobEvent batch, Invocation invocation, CancellationToken cancellationToken)
    {
        var results = new List<S3BatchJobResponse.TaskResult>();
        foreach (var task in batch.Tasks ?? [])
        {
            var (code, text) = await RunTaskAsync(task, invocation, cancellationToken);
            results.Add(new S3BatchJobResponse.TaskResult
            {
                TaskId = task.TaskId,
                ResultCode = code,
                ResultString = text.Length <= MaxResultChars ? text : text[..MaxResultChars],
            });
        }
        return new S3BatchJobResponse
        {
            InvocationSchemaVersion = batch.InvocationSchemaVersion,
            TreatMissingKeysAs = BatchResultCode.PermanentFailure,
            InvocationId = batch.InvocationId,
            Results = results,
        };
    }

    private async Task<(string Code, string Text)> RunTaskAsync(S3BatchJobEvent.BatchTask task, Invocation invocation, CancellationToken cancellationToken)
    {
        var bucket = task.S3Bucket ?? BucketOfArn(task.S3BucketArn);
        var key = WebUtility.UrlDecode(task.S3Key ?? "");
        if (key.Length == 0)
            return (BatchResultCode.PermanentFailure, "The task names no object key.");
        var inputBucket = _store.Storage.InputBucket;
        if (bucket != inputBucket)
            return (BatchResultCode.PermanentFailure, $"This worker converts objects of bucket {inputBucket}; the task names bucket {bucket ?? "(none)"}.");

        var started = Stopwatch.GetTimestamp();
        try
        {
            // No version: the task converts the object's current one.
            var outcome = (await _processor.ProcessAsync(new SourceObject(bucket, key, null, 0), cancellationToken)).Delivery.Outcome;
            _log.Write("info", "batch task", ("requestId", invocation.RequestId), ("key", key), ("outcome", outcome.ToString()),
                ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            return outcome switch
            {
                JobOutcome.Converted => (BatchResultCode.Succeeded, "Converted."),
                JobOutcome.Ignored => (BatchResultCode.Succeeded, "A folder marker, not an image: nothing to convert."),
                JobOutcome.Gone => (BatchResultCode.PermanentFailure, "The object does not exist."),
                JobOutcome.Superseded => (BatchResultCode.TemporaryFailure, "The object was replaced while it was converted; a retry converts its current version."),
                JobOutcome.Blocked => (BatchResultCode.PermanentFailure, "Objects the pipeline did not write stand at both the result's and the report's key in the output bucket; nothing was written."),
                _ => await VerdictAsync(key, cancellationToken), // Rejected, AlreadyDone: the job says which
            };
        }
        catch (Exception e)
        {
            _log.Write("error", "batch task failed", ("requestId", invocation.RequestId), ("key", key), ("errorType", e.GetType().Name),
                ("errorMessage", e.Message), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            var reason = e is PipelineException known ? known.Message : $"Processing failed ({e.GetType().Name}).";
            return (BatchResultCode.TemporaryFailure, reason + " S3 Batch Operations retries the task.");
        }
    }

    // A version already finished, or just refused: its job's outcome is the task's.
    private async Task<(string Code, string Text)> VerdictAsync(string key, CancellationToken cancellationToken)
    {
        var job = await _store.ReadAsync(key, cancellationToken);
        return job.Status switch
        {
            JobStatus.Done => (BatchResultCode.Succeeded, "Already converted from this version."),
            JobStatus.Failed when job.Error is { } error => (BatchResultCode.PermanentFailure, $"{error.Code}: {error.Message}"),
            _ => (BatchResultCode.TemporaryFailure, "The job's outcome could not be read back; a retry reads it again."),
        };
    }

    // arn:aws:s3:::bucket (schema 1.0).
    private static string? BucketOfArn(string? arn) =>
        arn is not null && arn.LastIndexOf(':') is var colon and >= 0 ? arn[(colon + 1)..] : null;
}
