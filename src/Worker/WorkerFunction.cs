using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Aws;
using Pipeline.Diagnostics;
using Pipeline.Imaging.Isolation;
using Pipeline.Jobs;
using Pipeline.Lambda;
using Pipeline.Worker.Events;

namespace Pipeline.Worker;

/// <summary>
/// The worker function, behind the SQS event source mapping of the queue the input bucket
/// notifies: each message names objects of the input bucket (see <see cref="QueueMessage"/>:
/// an S3 notification, plain or in an SNS envelope, or an EventBridge Object Created event);
/// the answer is a partial batch response, so only failed messages are retried. S3's test event
/// is taken and names nothing; a message the worker refuses (another bucket, no version, not an
/// object-created event at all) fails, is logged, and reaches the dead-letter queue without
/// ever touching an output. Objects of one invocation are processed concurrently, up to a
/// bound. S3 Batch Operations may invoke it too (schema 2.0, one object per invocation; see
/// <see cref="BatchTaskRunner"/>).
/// </summary>
public sealed class WorkerFunction : IInvocationHandler
{
    // Unfinished objects are reported as failures this long before Lambda's deadline, so
    // their messages come back instead of the whole batch timing out.
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(2);

    // What a give-up report may take at most, and what must be left of the invocation after it.
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AnswerReserve = TimeSpan.FromMilliseconds(250);

    private readonly JobStore _store;
    private readonly ObjectProcessor _processor;
    private readonly BatchTaskRunner _batch;
    private readonly int _maxConcurrency;
    private readonly int _maxReceiveCount;
    private readonly JsonLog _log;
    private readonly EmbeddedMetrics _metrics;
    private readonly TimeProvider _clock;

    /// <summary>Creates the function over <paramref name="store"/> and <paramref name="converter"/>; <paramref name="metrics"/> defaults to none.</summary>
    public WorkerFunction(JobStore store, IsolatedConverter converter, WorkerOptions options, JsonLog log, TimeProvider clock, EmbeddedMetrics? metrics = null)
    {
        _store = store;
        _processor = new ObjectProcessor(store, converter, options);
        _batch = new BatchTaskRunner(_processor, store, log);
        _maxConcurrency = options.MaxConcurrency;
        _maxReceiveCount = options.MaxReceiveCount;
        _log = log;
        _metrics = metrics ?? EmbeddedMetrics.Null;
        _clock = clock;
    }

    /// <summary>The production composition: options from the process environment, a real S3 client, logs on stdout.</summary>
    public static WorkerFunction FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The production composition over the variables <paramref name="read"/> returns, and nothing else.</summary>
    public static WorkerFunction FromEnvironment(Func<string, string?> read)
    {
        var options = WorkerOptions.FromEnvironment(read);
        var log = new JsonLog(Console.OpenStandardOutput());
        var aws = AwsEnvironment.FromEnvironment(read);
        var store = new JobStore(aws.CreateS3Client(), options.Storage, aws.UsesHttp, TimeProvider.System);
        var converter = new IsolatedConverter(ConverterCommand.ForThisProcess(), options.Imaging, options.MaxConcurrency);
        converter.WarmUp();
        return new WorkerFunction(store, converter, options, log, TimeProvider.System, new EmbeddedMetrics(log, "worker"));
    }

    /// <inheritdoc/>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        using var deadline = invocation.CancelBeforeDeadline(_clock, DeadlineMargin, cancellationToken);
        if (WorkerEvents.KindOf(invocation.Payload) == WorkerEventKind.BatchJob)
        {
            var batch = JsonSerializer.Deserialize(invocation.Payload, WorkerJsonContext.Default.S3BatchJobEvent)!;
            var answer = await _batch.RunAsync(batch, invocation, deadline.Token);
            return JsonSerializer.SerializeToUtf8Bytes(answer, WorkerJsonContext.Default.S3BatchJobResponse);
        }
        var sqs = WorkerEvents.KindOf(invocation.Payload) == WorkerEventKind.Sqs ? JsonSerializer.Deserialize(invocation.Payload, WorkerJsonContext.Default.SQSEvent) : null;
        if (sqs?.Records is not { } records || records.Any(r => r.EventSource != "aws:sqs"))
            throw new InvalidOperationException("The worker takes SQS events from its queue's event source mapping and S3 Batch Operations invocations; this invocation is neither.");
        var response = await HandleSqsAsync(records, invocation, deadline.Token);
        return JsonSerializer.SerializeToUtf8Bytes(response, WorkerJsonContext.Default.SQSBatchResponse);
    }

    private async Task<SQSBatchResponse> HandleSqsAsync(List<SQSEvent.SQSMessage> messages, Invocation invocation, CancellationToken cancellationToken)
    {
        var failures = new HashSet<string>();
        var work = new List<Work>();
        foreach (var message in messages)
        {
            var id = message.MessageId ?? "";
            bool lastAttempt = int.TryParse(message.Attributes?.GetValueOrDefault("ApproximateReceiveCount"), out var receives) && receives >= _maxReceiveCount;
            var read = QueueMessage.Read(message.Body ?? "", _store.Storage.InputBucket);
            if (read.Refusal is { } refusal)
            {
                // It can never succeed: let it reach the dead-letter queue, where an operator sees it.
                _log.Write("error", "message refused", ("requestId", invocation.RequestId), ("messageId", id), ("reason", refusal));
                failures.Add(id);
                continue;
            }
            work.AddRange(read.Objects.Select(o => new Work(id, o, lastAttempt)));
        }
        failures.UnionWith(await ProcessAllAsync(work, invocation, cancellationToken));
        _metrics.Emit(new Metric("BatchSize", messages.Count));
        return new SQSBatchResponse
        {
            BatchItemFailures = failures.Order(StringComparer.Ordinal).Select(id => new SQSBatchResponse.BatchItemFailure { ItemIdentifier = id }).ToList(),
        };
    }

    /// <summary>An object to process, the message that named it, and whether that message is on its last receive.</summary>
    private readonly record struct Work(string MessageId, SourceObject Object, bool LastAttempt);

    /// <summary>Processes every object once; returns the message ids of those that failed.</summary>
    private async Task<HashSet<string>> ProcessAllAsync(List<Work> work, Invocation invocation, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentDictionary<string, bool>();
        // One version of one object is processed once per batch, however many messages name it:
        // duplicate deliveries, or a multipart upload's Put and CompleteMultipartUpload events.
        var versions = work.GroupBy(w => (w.Object.Key, w.Object.ETag)).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _maxConcurrency };
        await Parallel.ForEachAsync(versions, parallel, async (version, _) =>
        {
            var source = version.First().Object;
            var started = Stopwatch.GetTimestamp();
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                var processed = await _processor.ProcessAsync(source, cancellationToken);
                // Blocked: objects the pipeline did not write stand at both output keys, so the
                // job cannot even say so; the message goes to the dead-letter queue instead.
                bool blocked = processed.Delivery.Outcome == JobOutcome.Blocked;
                _log.Write(blocked ? "error" : "info", "object", ("requestId", invocation.RequestId), ("key", source.Key), ("outcome", processed.Delivery.Outcome.ToString()),
                    ("bytes", source.Size), ("messages", version.Count()), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                if (blocked)
                {
                    foreach (var item in version)
                        failed[item.MessageId] = true;
                }
                Count(source, processed, duplicates: version.Count() - 1);
            }
            catch (Exception e)
            {
                foreach (var item in version)
                    failed[item.MessageId] = true;
                _log.Write("error", "object failed", ("requestId", invocation.RequestId), ("key", source.Key), ("errorType", e.GetType().Name),
                    ("errorMessage", e.Message), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                if (version.Any(w => w.LastAttempt))
                    await ReportGivingUpAsync(source, e, invocation);
            }
        });
        return [.. failed.Keys];
    }

    /// <summary>The metrics of one object: converted (with sizes and times), failed by code, or skipped as a duplicate.</summary>
    private void Count(SourceObject source, ProcessedObject processed, int duplicates)
    {
        switch (processed.Delivery.Outcome)
        {
            case JobOutcome.Converted:
                Metric[] converted =
                [
                    new("ImagesConverted", 1),
                    new("BytesIn", processed.BytesIn, "Bytes"),
                    new("BytesOut", processed.BytesOut, "Bytes"),
                    new("MegapixelsIn", processed.Pixels / 1e6, "None"),
                    new("ConversionMs", processed.ConversionMs, "Milliseconds"),
                ];
                // Upload to result, when the event says when S3 took the upload.
                if (source.EventTime is { } uploaded)
                    converted = [.. converted, new("EndToEndMs", Math.Max(0, (_clock.GetUtcNow() - uploaded).TotalMilliseconds), "Milliseconds")];
                _metrics.Emit(converted);
                break;
            case JobOutcome.Rejected:
                _metrics.Emit([("Code", processed.Delivery.ErrorCode ?? "unknown")], new Metric("ImagesFailed", 1));
                break;
            case JobOutcome.AlreadyDone:
                duplicates++;
                break;
        }
        if (duplicates > 0)
            _metrics.Emit(new Metric("DuplicatesSkipped", duplicates));
    }

    private async Task ReportGivingUpAsync(SourceObject source, Exception failure, Invocation invocation)
    {
        // Whatever is left of the invocation, less what answering takes: a report must never
        // cost the partial batch response.
        var budget = invocation.RemainingTime(_clock) - AnswerReserve;
        if (budget <= TimeSpan.Zero)
        {
            _log.Write("error", "no time left to report the failure", ("requestId", invocation.RequestId), ("key", source.Key));
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(budget < ReportTimeout ? budget : ReportTimeout);
            var reported = await _store.ReportGivingUpAsync(source,
                $"Processing failed {_maxReceiveCount} times ({failure.GetType().Name}); the event is in the dead-letter queue and can be redriven.",
                timeout.Token);
            _log.Write("info", "failure reported", ("requestId", invocation.RequestId), ("key", source.Key), ("outcome", reported.Outcome.ToString()));
        }
        catch (Exception e)
        {
            // Storage is what keeps failing, most likely: the dead-letter queue still has the event.
            _log.Write("error", "could not report the failure", ("requestId", invocation.RequestId), ("key", source.Key), ("errorType", e.GetType().Name));
        }
    }
}
