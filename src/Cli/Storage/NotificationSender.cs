using System.Globalization;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Cli.Storage;

/// <summary>Sends to the worker's queue, as backfill does: objects already stored are sent as ObjectCreated notifications (see <see cref="S3Notification"/>).</summary>
public sealed class NotificationSender
{
    private const int BatchSize = 10; // SendMessageBatch's limit

    private readonly IAmazonSQS _sqs;
    private readonly string _url;

    private NotificationSender(IAmazonSQS sqs, string url)
    {
        _sqs = sqs;
        _url = url;
    }

    /// <summary>The queue named by <paramref name="queue"/>: a URL, or a name to look up.</summary>
    public static async Task<NotificationSender> OpenAsync(IAmazonSQS sqs, string queue, CancellationToken cancellationToken) =>
        new(sqs, await UrlOfAsync(sqs, queue, cancellationToken));

    /// <summary>The URL of <paramref name="queue"/> (a URL already, or a name to look up); throws a <see cref="PipelineException"/> when there is none.</summary>
    public static async Task<string> UrlOfAsync(IAmazonSQS sqs, string queue, CancellationToken cancellationToken)
    {
        if (queue.StartsWith("https://", StringComparison.Ordinal) || queue.StartsWith("http://", StringComparison.Ordinal))
            return queue;
        try
        {
            return (await sqs.GetQueueUrlAsync(queue, cancellationToken)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
            throw new PipelineException(ErrorCode.InvalidRequest, $"No queue named {queue}; pass the worker queue's name or URL with --queue.");
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
        {
            throw new PipelineException(ErrorCode.Unavailable, $"The queue service is unavailable ({e.GetType().Name}).", e);
        }
    }

    /// <summary>Sends one notification per object; throws <see cref="ErrorCode.Unavailable"/> if any cannot be sent.</summary>
    public async Task SendAsync(IReadOnlyList<SourceObject> inputs, Action<int> sent, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var batches = inputs.Chunk(BatchSize).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, token) =>
        {
            var request = new SendMessageBatchRequest
            {
                QueueUrl = _url,
                Entries = batch.Select((input, i) => new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), S3Notification.ObjectCreated(input, now))).ToList(),
            };
            SendMessageBatchResponse response;
            try
            {
                response = await _sqs.SendMessageBatchAsync(request, token);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
            {
                throw new PipelineException(ErrorCode.Unavailable, $"The queue service is unavailable ({e.GetType().Name}).", e);
            }
            if (response.Failed is { Count: > 0 } failed)
                throw new PipelineException(ErrorCode.Unavailable, $"The queue refused {failed.Count} notifications ({failed[0].Code}); run backfill again.");
            sent(batch.Length);
        });
    }
}
