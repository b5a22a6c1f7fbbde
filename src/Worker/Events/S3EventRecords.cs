using System.Net;
using Amazon.S3.Util;
using Pipeline.Jobs;

namespace Pipeline.Worker.Events;

/// <summary>The objects an S3 event notification (an SQS message's body) says were created.</summary>
public static class S3EventRecords
{
    /// <summary>
    /// The ObjectCreated records of a notification, keys URL-decoded (S3 sends '+' for a space
    /// and %XX for the rest, '/' included). S3's test event yields none. Throws on JSON that is
    /// not an S3 notification (the SDK's parser throws assorted exception types).
    /// </summary>
    public static List<SourceObject> CreatedObjects(string notificationJson)
    {
        var notification = S3EventNotification.ParseJson(notificationJson);
        return (notification.Records ?? [])
            .Where(r => r.EventName?.Value?.Contains("ObjectCreated:", StringComparison.Ordinal) == true)
            .Select(r => new SourceObject(
                r.S3.Bucket.Name,
                WebUtility.UrlDecode(r.S3.Object.Key),
                ObjectKeys.NormalizeETag(r.S3.Object.ETag),
                r.S3.Object.Size,
                r.EventTime == default ? null : new DateTimeOffset(DateTime.SpecifyKind(r.EventTime, DateTimeKind.Utc))))
            .ToList();
    }
}
