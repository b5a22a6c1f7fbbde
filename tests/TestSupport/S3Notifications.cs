using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Jobs;

namespace Pipeline.Tests;

/// <summary>S3 event notifications as S3 writes them, for tests that deliver events themselves.</summary>
public static class S3Notifications
{
    /// <summary>
    /// One ObjectCreated record in a notification document; the key URL-encoded the way S3
    /// does it ('+' for a space, %XX for the rest, '/' included).
    /// </summary>
    public static string ObjectCreated(string bucket, string key, string etag, long size = 0) =>
        S3Notification.ObjectCreated(new SourceObject(bucket, key, etag, size), DateTimeOffset.UtcNow);

    /// <summary>
    /// An SQS event as the event source mapping delivers it to the worker: each message's id and
    /// body (e.g. an <see cref="ObjectCreated"/> document), received <paramref name="receiveCount"/> times.
    /// </summary>
    public static byte[] SqsEvent(int receiveCount, params IEnumerable<(string Id, string Body)> messages) =>
        System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["Records"] = new JsonArray([.. messages.Select(m => new JsonObject
            {
                ["messageId"] = m.Id,
                ["eventSource"] = "aws:sqs",
                ["body"] = m.Body,
                ["attributes"] = new JsonObject { ["ApproximateReceiveCount"] = receiveCount.ToString(CultureInfo.InvariantCulture) },
            })]),
        }.ToJsonString());
}
