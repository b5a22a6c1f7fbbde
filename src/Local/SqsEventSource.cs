using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Pipeline.Diagnostics;
using Pipeline.Lambda;
using Pipeline.Worker.Events;
using Pipeline.Aws;

namespace Pipeline.Local;

/// <summary>
/// What Lambda's SQS event source mapping does, for a local run: long-polls the queue,
/// invokes the function with batches as SQS events, deletes the messages the function did not
/// report in its partial batch response, and leaves the rest to reappear after the visibility
/// timeout (the queue's redrive policy dead-letters them after maxReceiveCount receives).
/// A worker that is down loses nothing: the messages wait in the queue. On stop, a long poll in
/// flight is not abandoned (SQS would still hand it messages, hidden and counted as received,
/// nudging them towards the dead-letter queue); what it returns is released at once.
/// </summary>
public sealed class SqsEventSource
{
    private readonly IAmazonSQS _sqs;
    private readonly string _queueUrl;
    private readonly IInvocationHandler _handler;
    private readonly EventSourceOptions _options;
    private readonly JsonLog _log;
    private string _queueArn = "";

    /// <summary>Creates a mapping from the queue at <paramref name="queueUrl"/> to <paramref name="handler"/>.</summary>
    public SqsEventSource(IAmazonSQS sqs, string queueUrl, IInvocationHandler handler, EventSourceOptions options, JsonLog log)
    {
        _sqs = sqs;
        _queueUrl = queueUrl;
        _handler = handler;
        _options = options;
        _log = log;
    }

    /// <summary>Creates an SQS client for AWS_ENDPOINT_URL (not the S3-only AWS_ENDPOINT_URL_S3), the region and the credentials.</summary>
    public static AmazonSQSClient CreateClient(AwsEnvironment aws) => new(aws.Configure(new AmazonSQSConfig()));

    /// <summary>Polls until <paramref name="stop"/> fires; a batch in progress is finished first.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var attributes = await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = _queueUrl, AttributeNames = ["QueueArn"] }, stop);
        _queueArn = attributes.QueueARN ?? "";
        await Task.WhenAll(Enumerable.Range(0, _options.Pollers).Select(_ => PollAsync(stop)));
    }

    private async Task PollAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stop.IsCancellationRequested)
        {
            List<Message> messages;
            try
            {
                var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = _queueUrl,
                    MaxNumberOfMessages = _options.BatchSize,
                    WaitTimeSeconds = _options.WaitTimeSeconds,
                    VisibilityTimeout = _options.VisibilityTimeout is { } v ? (int)v.TotalSeconds : null,
                    MessageSystemAttributeNames = ["All"],
                    MessageAttributeNames = ["All"],
                }, CancellationToken.None);
                messages = received.Messages ?? [];
                backoff = TimeSpan.FromMilliseconds(250);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
            {
                // The queue (or the emulator) is unreachable or timed out: wait and try again, as Lambda's poller does.
                _log.Write("warn", "queue unreachable", ("errorType", e.GetType().Name), ("errorMessage", e.Message), ("retryMs", backoff.TotalMilliseconds));
                await Task.Delay(backoff, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // a stop need not wait it out
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 5000));
                continue;
            }
            if (messages.Count == 0)
                continue;
            try
            {
                if (stop.IsCancellationRequested)
                    await ReleaseAsync(messages);
                else
                    await InvokeAsync(messages);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
            {
                // Deleting or releasing failed: those messages reappear after their visibility
                // timeout, so nothing is lost; the poller itself must go on.
                _log.Write("warn", "could not settle a batch; its messages will be redelivered", ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            }
        }
    }

    private async Task InvokeAsync(List<Message> messages)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(ToEvent(messages), WorkerJsonContext.Default.SQSEvent);
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow + _options.FunctionTimeout, null, payload);
        HashSet<string> failed;
        try
        {
            // Not cancelled on shutdown: the batch in hand is finished, like a Lambda invocation.
            var response = await _handler.HandleAsync(invocation, CancellationToken.None);
            var batch = JsonSerializer.Deserialize(response.Span, WorkerJsonContext.Default.SQSBatchResponse);
            failed = (batch?.BatchItemFailures ?? []).Select(f => f.ItemIdentifier ?? "").ToHashSet();
        }
        catch (Exception e)
        {
            _log.Write("error", "invocation failed; the whole batch will be retried", ("requestId", invocation.RequestId), ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            failed = messages.Select(m => m.MessageId).ToHashSet();
        }

        var done = messages.Where(m => !failed.Contains(m.MessageId)).ToList();
        int notDeleted = 0;
        foreach (var chunk in done.Chunk(10))
        {
            var deleted = await _sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
            {
                QueueUrl = _queueUrl,
                Entries = chunk.Select(m => new DeleteMessageBatchRequestEntry(m.MessageId, m.ReceiptHandle)).ToList(),
            });
            notDeleted += LogEntryFailures("delete", deleted.Failed);
        }
        _log.Write("info", "batch", ("requestId", invocation.RequestId), ("messages", messages.Count), ("deleted", done.Count - notDeleted), ("failed", failed.Count));
    }

    private async Task ReleaseAsync(List<Message> messages)
    {
        foreach (var chunk in messages.Chunk(10))
        {
            var released = await _sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
            {
                QueueUrl = _queueUrl,
                Entries = chunk.Select(m => new ChangeMessageVisibilityBatchRequestEntry(m.MessageId, m.ReceiptHandle) { VisibilityTimeout = 0 }).ToList(),
            });
            LogEntryFailures("release", released.Failed);
        }
    }

    // Batch calls answer 200 with per-entry failures; those messages simply come back later.
    private int LogEntryFailures(string action, List<BatchResultErrorEntry>? failures)
    {
        foreach (var f in failures ?? [])
            _log.Write("warn", $"could not {action} a message; it will be redelivered", ("messageId", f.Id), ("code", f.Code));
        return failures?.Count ?? 0;
    }

    private SQSEvent ToEvent(List<Message> messages) => new()
    {
        Records = messages.Select(m => new SQSEvent.SQSMessage
        {
            MessageId = m.MessageId,
            ReceiptHandle = m.ReceiptHandle,
            Body = m.Body,
            Md5OfBody = m.MD5OfBody,
            Attributes = m.Attributes ?? [],
            MessageAttributes = (m.MessageAttributes ?? []).ToDictionary(a => a.Key, a => new SQSEvent.MessageAttribute
            {
                DataType = a.Value.DataType,
                StringValue = a.Value.StringValue,
                BinaryValue = a.Value.BinaryValue is null ? null : Convert.ToBase64String(a.Value.BinaryValue.ToArray()),
            }),
            EventSource = "aws:sqs",
            EventSourceArn = _queueArn,
            AwsRegion = _queueArn.Split(':') is { Length: > 3 } parts ? parts[3] : null,
        }).ToList(),
    };
}
