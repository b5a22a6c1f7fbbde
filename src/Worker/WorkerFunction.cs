using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3.Util;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Lambda;
using Pipeline.Storage;

namespace Pipeline.Worker;

/// <summary>
/// The worker function. Accepts the deployed shape, SQS events whose message bodies are S3
/// notifications (answering with a partial batch response, so only failed messages are
/// retried), and S3 event notifications delivered directly. S3's test event is ignored.
/// Objects of one invocation are processed concurrently, up to a bound.
/// </summary>
public sealed class WorkerFunction : IInvocationHandler
{
    // Unfinished objects are reported as failures this long before Lambda's deadline, so
    // their messages come back instead of the whole batch timing out.
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(2);

    private readonly ObjectProcessor _processor;
    private readonly int _maxConcurrency;
    private readonly int _maxReceiveCount;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Creates the function around <paramref name="processor"/>.</summary>
    public WorkerFunction(ObjectProcessor processor, WorkerOptions options, JsonLog log, TimeProvider clock)
    {
        _processor = processor;
        _maxConcurrency = options.MaxConcurrency;
        _maxReceiveCount = options.MaxReceiveCount;
        _log = log;
        _clock = clock;
    }

    /// <summary>The production composition: options from the process environment, a real S3 client, logs on stdout.</summary>
    public static WorkerFunction FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The production composition over the variables <paramref name="read"/> returns, and nothing else.</summary>
    public static WorkerFunction FromEnvironment(Func<string, string?> read)
    {
        var options = WorkerOptions.FromEnvironment(read);
        OpenCvRuntime.Initialize(options.Imaging);
        var log = new JsonLog(Console.OpenStandardOutput());
        var s3 = AwsEnvironment.FromEnvironment(read).CreateS3Client();
        var processor = new ObjectProcessor(s3, options, new GrayscaleConverter(options.Imaging), log, TimeProvider.System);
        return new WorkerFunction(processor, options, log, TimeProvider.System);
    }

    /// <inheritdoc/>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        using var deadline = invocation.CancelBeforeDeadline(_clock, DeadlineMargin, cancellationToken);

        // Both shapes are {"Records":[...]}; SQS records say "eventSource":"aws:sqs", S3's "aws:s3".
        var sqs = JsonSerializer.Deserialize(invocation.Payload, LambdaJsonContext.Default.SQSEvent);
        if (sqs?.Records is [{ EventSource: "aws:sqs" }, ..])
        {
            var response = await HandleSqsAsync(sqs.Records, invocation.RequestId, deadline.Token);
            return JsonSerializer.SerializeToUtf8Bytes(response, LambdaJsonContext.Default.SQSBatchResponse);
        }

        // Direct S3 notification: failing the invocation makes Lambda retry it.
        var objects = CreatedObjects(Encoding.UTF8.GetString(invocation.Payload));
        var failed = await ProcessAllAsync(objects.Select(o => new Work("", o, LastAttempt: false)).ToList(), invocation.RequestId, deadline.Token);
        if (failed.Count > 0)
            throw new InvalidOperationException($"{failed.Count} of {objects.Count} objects failed; see the log.");
        return "{}"u8.ToArray();
    }

    private async Task<SQSBatchResponse> HandleSqsAsync(List<SQSEvent.SQSMessage> messages, string requestId, CancellationToken cancellationToken)
    {
        var failures = new HashSet<string>();
        var work = new List<Work>();
        foreach (var message in messages)
        {
            var id = message.MessageId ?? "";
            bool lastAttempt = int.TryParse(message.Attributes?.GetValueOrDefault("ApproximateReceiveCount"), out var receives) && receives >= _maxReceiveCount;
            try
            {
                work.AddRange(CreatedObjects(message.Body ?? "").Select(o => new Work(id, o, lastAttempt)));
            }
            catch (Exception e)
            {
                // Not an S3 notification (S3EventNotification.ParseJson throws assorted exception
                // types on foreign JSON): it can never succeed, so let it reach the dead-letter queue.
                _log.Write("error", "message is not an S3 notification", ("requestId", requestId), ("messageId", id), ("errorType", e.GetType().Name));
                failures.Add(id);
            }
        }
        failures.UnionWith(await ProcessAllAsync(work, requestId, cancellationToken));
        return new SQSBatchResponse
        {
            BatchItemFailures = failures.Order(StringComparer.Ordinal).Select(id => new SQSBatchResponse.BatchItemFailure { ItemIdentifier = id }).ToList(),
        };
    }

    /// <summary>An object to process, the message that named it, and whether that message is on its last receive.</summary>
    private readonly record struct Work(string MessageId, ObjectRef Object, bool LastAttempt);

    /// <summary>Processes every object once; returns the message ids of those that failed.</summary>
    private async Task<HashSet<string>> ProcessAllAsync(List<Work> work, string requestId, CancellationToken cancellationToken)
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
                var outcome = await _processor.ProcessAsync(source, cancellationToken);
                _log.Write("info", "object", ("requestId", requestId), ("key", source.Key), ("outcome", outcome.ToString()),
                    ("bytes", source.Size), ("messages", version.Count()), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (Exception e)
            {
                foreach (var item in version)
                    failed[item.MessageId] = true;
                _log.Write("error", "object failed", ("requestId", requestId), ("key", source.Key), ("errorType", e.GetType().Name),
                    ("errorMessage", e.Message), ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                if (version.Any(w => w.LastAttempt))
                    await ReportGivingUpAsync(source, e, requestId);
            }
        });
        return [.. failed.Keys];
    }

    private async Task ReportGivingUpAsync(ObjectRef source, Exception failure, string requestId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _processor.ReportGivingUpAsync(source, failure, timeout.Token);
        }
        catch (Exception e)
        {
            // Storage is what keeps failing, most likely: the dead-letter queue still has the event.
            _log.Write("error", "could not report the failure", ("requestId", requestId), ("key", source.Key), ("errorType", e.GetType().Name));
        }
    }

    /// <summary>
    /// The ObjectCreated records of an S3 notification, keys URL-decoded (S3 sends '+' for a
    /// space and %XX for the rest, '/' included). A test event yields none.
    /// </summary>
    public static List<ObjectRef> CreatedObjects(string notificationJson)
    {
        var notification = S3EventNotification.ParseJson(notificationJson);
        return (notification.Records ?? [])
            .Where(r => r.EventName?.Value?.Contains("ObjectCreated:", StringComparison.Ordinal) == true)
            .Select(r => new ObjectRef(
                r.S3.Bucket.Name,
                WebUtility.UrlDecode(r.S3.Object.Key),
                ObjectKeys.NormalizeETag(r.S3.Object.ETag),
                r.S3.Object.Size))
            .ToList();
    }
}
