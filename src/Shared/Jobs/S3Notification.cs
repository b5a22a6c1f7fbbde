using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Jobs;

/// <summary>
/// An S3 event notification as S3 writes it to a queue or a topic: the records of object
/// events (keys URL-encoded, '+' for a space), or S3's test event, which S3 sends once when a
/// notification configuration is set. The one declaration of this shape: the worker reads it,
/// the CLI's backfill writes it (<see cref="ObjectCreated"/>) for objects already stored, and
/// tests deliver it. Shaped like Amazon.Lambda.S3Events.S3Event, with the same JSON names.
/// </summary>
public sealed class S3Notification
{
    // Written as S3 writes them: on one line, absent fields left out.
    private static readonly JobsJsonContext Compact = new(new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });

    /// <summary>The events (S3 puts one in each notification); null in a test event.</summary>
    [JsonPropertyName("Records")] public List<Record>? Records { get; set; }

    /// <summary><c>Amazon S3</c> in a test event.</summary>
    [JsonPropertyName("Service")] public string? Service { get; set; }

    /// <summary><c>s3:TestEvent</c> in a test event.</summary>
    [JsonPropertyName("Event")] public string? Event { get; set; }

    /// <summary>The bucket whose configuration was set, in a test event.</summary>
    [JsonPropertyName("Bucket")] public string? TestedBucket { get; set; }

    /// <summary>True for S3's test event, which names no object.</summary>
    [JsonIgnore] public bool IsTestEvent => Service == "Amazon S3" && Event == "s3:TestEvent" && Records is null;

    /// <summary>
    /// The notification of an ObjectCreated:Put of <paramref name="input"/>, as S3 would write it
    /// at <paramref name="now"/>. It names one version (ETag): a later overwrite makes the worker
    /// skip it, as the new version has its own event.
    /// </summary>
    public static string ObjectCreated(SourceObject input, DateTimeOffset now) => JsonSerializer.Serialize(new S3Notification
    {
        Records =
        [
            new Record
            {
                EventVersion = "2.1",
                EventSource = "aws:s3",
                EventTime = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                EventName = "ObjectCreated:Put",
                UserIdentity = new Identity { PrincipalId = "pipeline-backfill" },
                S3 = new Entity
                {
                    S3SchemaVersion = "1.0",
                    ConfigurationId = "pipeline-backfill",
                    Bucket = new BucketEntity { Name = input.Bucket, Arn = "arn:aws:s3:::" + input.Bucket },
                    Object = new ObjectEntity { Key = WebUtility.UrlEncode(input.Key), Size = input.Size, ETag = input.ETag },
                },
            },
        ],
    }, Compact.S3Notification);

    /// <summary>One event.</summary>
    public sealed class Record
    {
        /// <summary>"2.1" (or "2.2" with restore data).</summary>
        [JsonPropertyName("eventVersion")] public string? EventVersion { get; set; }

        /// <summary><c>aws:s3</c>.</summary>
        [JsonPropertyName("eventSource")] public string? EventSource { get; set; }

        /// <summary>The bucket's region.</summary>
        [JsonPropertyName("awsRegion")] public string? AwsRegion { get; set; }

        /// <summary>When S3 finished the request, ISO 8601 with milliseconds (<c>2026-11-24T12:00:00.000Z</c>).</summary>
        [JsonPropertyName("eventTime")] public string? EventTime { get; set; }

        /// <summary>E.g. <c>ObjectCreated:Put</c>, <c>ObjectCreated:CompleteMultipartUpload</c>, <c>ObjectRemoved:Delete</c>.</summary>
        [JsonPropertyName("eventName")] public string? EventName { get; set; }

        /// <summary>Who made the request.</summary>
        [JsonPropertyName("userIdentity")] public Identity? UserIdentity { get; set; }

        /// <summary>The bucket and the object.</summary>
        [JsonPropertyName("s3")] public Entity? S3 { get; set; }
    }

    /// <summary>A principal.</summary>
    public sealed class Identity
    {
        /// <summary>The principal's id.</summary>
        [JsonPropertyName("principalId")] public string? PrincipalId { get; set; }
    }

    /// <summary>What the event is about.</summary>
    public sealed class Entity
    {
        /// <summary>"1.0".</summary>
        [JsonPropertyName("s3SchemaVersion")] public string? S3SchemaVersion { get; set; }

        /// <summary>The id of the notification configuration that sent it.</summary>
        [JsonPropertyName("configurationId")] public string? ConfigurationId { get; set; }

        /// <summary>The bucket.</summary>
        [JsonPropertyName("bucket")] public BucketEntity? Bucket { get; set; }

        /// <summary>The object.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The JSON's own name, as in AWS's event libraries.")]
        [JsonPropertyName("object")] public ObjectEntity? Object { get; set; }
    }

    /// <summary>A bucket.</summary>
    public sealed class BucketEntity
    {
        /// <summary>Its name.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }

        /// <summary>Its ARN.</summary>
        [JsonPropertyName("arn")] public string? Arn { get; set; }
    }

    /// <summary>An object.</summary>
    public sealed class ObjectEntity
    {
        /// <summary>The key, URL-encoded ('+' for a space, %XX for the rest, '/' included): decode it before use.</summary>
        [JsonPropertyName("key")] public string? Key { get; set; }

        /// <summary>Its size in bytes.</summary>
        [JsonPropertyName("size")] public long Size { get; set; }

        /// <summary>Its ETag, unquoted; absent from ObjectRemoved events.</summary>
        [JsonPropertyName("eTag")] public string? ETag { get; set; }

        /// <summary>Its version id, in a versioned bucket.</summary>
        [JsonPropertyName("versionId")] public string? VersionId { get; set; }

        /// <summary>Orders the events of one key.</summary>
        [JsonPropertyName("sequencer")] public string? Sequencer { get; set; }
    }
}
