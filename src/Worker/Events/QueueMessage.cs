using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Jobs;

namespace Pipeline.Worker.Events;

/// <summary>
/// What one message of the worker's queue asks for: the objects it names, or why the worker
/// refuses it. Taken are the shapes an upload to the input bucket reaches the queue in: an S3
/// notification (direct, or through SNS with raw delivery), an SNS envelope carrying one (S3 →
/// SNS → SQS), and an EventBridge "Object Created" event; every record must be an ObjectCreated
/// event of the input bucket naming a version (ETag). S3's test event names nothing. Anything
/// else is refused, so that it fails, is retried and reaches the dead-letter queue, where an
/// operator sees it, rather than being dropped or turned into a job.
/// </summary>
/// <param name="Objects">The objects named (none for S3's test event, or when refused).</param>
/// <param name="Refusal">Why the message is refused, for the log (no keys, no content); null when taken.</param>
public sealed record QueueMessage(IReadOnlyList<SourceObject> Objects, string? Refusal = null)
{
    /// <summary>Reads <paramref name="body"/>, taking only objects of <paramref name="inputBucket"/>.</summary>
    public static QueueMessage Read(string body, string inputBucket)
    {
        try
        {
            var json = Encoding.UTF8.GetBytes(body);
            var names = WorkerEvents.PropertyNames(json);
            if (names is null)
                return Refused("the body is not a JSON object");
            if (names.Contains("Type") && names.Contains("Message"))
                return FromSns(JsonSerializer.Deserialize(json, WorkerJsonContext.Default.SnsNotification)!, inputBucket);
            if (names.Contains("detail-type") && names.Contains("detail"))
                return FromEventBridge(JsonSerializer.Deserialize(json, WorkerJsonContext.Default.EventBridgeS3Event)!, inputBucket);
            if (names.Contains("Records") || names.Contains("Event"))
                return FromS3(JsonSerializer.Deserialize(json, WorkerJsonContext.Default.S3Notification)!, inputBucket);
            return Refused("neither an S3 notification, nor an SNS notification of one, nor an EventBridge event");
        }
        catch (JsonException e)
        {
            return Refused($"malformed event ({Shown(e.Path ?? "$")})");
        }
    }

    private static QueueMessage Refused(string why) => new([], why);

    private static QueueMessage FromSns(SnsNotification envelope, string inputBucket)
    {
        if (envelope.Type != "Notification" || envelope.Message is null)
            return Refused($"an SNS message of type {Shown(envelope.Type)}, not a notification");
        var json = Encoding.UTF8.GetBytes(envelope.Message);
        if (WorkerEvents.PropertyNames(json) is not { } names || !(names.Contains("Records") || names.Contains("Event")))
            return Refused("an SNS notification whose message is not an S3 notification");
        return FromS3(JsonSerializer.Deserialize(json, WorkerJsonContext.Default.S3Notification)!, inputBucket);
    }

    private static QueueMessage FromS3(S3Notification notification, string inputBucket)
    {
        if (notification.IsTestEvent)
            return new QueueMessage([]);
        if (notification.Records is not { Count: > 0 } records)
            return Refused("an S3 notification with no records");
        var objects = new List<SourceObject>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.EventSource != "aws:s3" || record.EventName?.StartsWith("ObjectCreated:", StringComparison.Ordinal) != true)
                return Refused($"record {i} is {Shown(record.EventSource)} {Shown(record.EventName)}, not an S3 ObjectCreated event");
            var s3 = record.S3;
            if (Problem(i, s3?.Bucket?.Name, s3?.Object?.Key, s3?.Object?.ETag, inputBucket) is { } problem)
                return Refused(problem);
            // S3 URL-encodes keys in notifications: '+' is a space, %2B a plus, %2F a slash.
            objects.Add(new SourceObject(inputBucket, WebUtility.UrlDecode(s3!.Object!.Key!), ObjectKeys.NormalizeETag(s3.Object.ETag!), s3.Object.Size, Time(record.EventTime)));
        }
        return new QueueMessage(objects);
    }

    private static QueueMessage FromEventBridge(EventBridgeS3Event e, string inputBucket)
    {
        if (e.Source != "aws.s3" || e.DetailType != "Object Created")
            return Refused($"an EventBridge event {Shown(e.Source)} {Shown(e.DetailType)}, not an S3 Object Created event");
        var detail = e.Detail;
        if (Problem(0, detail?.Bucket?.Name, detail?.Object?.Key, detail?.Object?.ETag, inputBucket) is { } problem)
            return Refused(problem);
        // EventBridge keys are not URL-encoded: the key is used as it is.
        return new QueueMessage([new SourceObject(inputBucket, detail!.Object!.Key!, ObjectKeys.NormalizeETag(detail.Object.ETag!), detail.Object.Size, Time(e.Time))]);
    }

    // A record the worker may act on names an object of its own input bucket and its version.
    private static string? Problem(int record, string? bucket, string? key, string? etag, string inputBucket)
    {
        if (bucket != inputBucket)
            return $"record {record} names bucket {Shown(bucket)}; this worker converts objects of {inputBucket}";
        if (string.IsNullOrEmpty(key))
            return $"record {record} names no object key";
        if (string.IsNullOrEmpty(etag))
            return $"record {record} names no version (ETag)";
        return null;
    }

    // A field of the message as the log shows it: a forged one may be of any length.
    private static string Shown(string? field) => field switch
    {
        null => "(none)",
        { Length: > 64 } => field[..64] + "…",
        _ => field,
    };

    private static DateTimeOffset? Time(string? iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
