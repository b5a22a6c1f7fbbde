using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// An S3 event as EventBridge delivers it (to an SQS queue a rule targets, the message body is
/// this document), from a bucket with EventBridge notifications on. Unlike an S3 notification,
/// the key is not URL-encoded and there is one object per event.
/// </summary>
public sealed class EventBridgeS3Event
{
    /// <summary>"0".</summary>
    [JsonPropertyName("version")] public string? Version { get; set; }

    /// <summary>The event's id.</summary>
    [JsonPropertyName("id")] public string? Id { get; set; }

    /// <summary><c>Object Created</c> for a new object (or <c>Object Deleted</c>, <c>Object Restore Completed</c>…).</summary>
    [JsonPropertyName("detail-type")] public string? DetailType { get; set; }

    /// <summary><c>aws.s3</c>.</summary>
    [JsonPropertyName("source")] public string? Source { get; set; }

    /// <summary>The bucket owner's account.</summary>
    [JsonPropertyName("account")] public string? Account { get; set; }

    /// <summary>When it happened (ISO 8601, whole seconds).</summary>
    [JsonPropertyName("time")] public string? Time { get; set; }

    /// <summary>The bucket's region.</summary>
    [JsonPropertyName("region")] public string? Region { get; set; }

    /// <summary>The bucket's ARN.</summary>
    [JsonPropertyName("resources")] public List<string>? Resources { get; set; }

    /// <summary>The bucket and object.</summary>
    [JsonPropertyName("detail")] public EventDetail? Detail { get; set; }

    /// <summary>What the event is about.</summary>
    public sealed class EventDetail
    {
        /// <summary>"0".</summary>
        [JsonPropertyName("version")] public string? Version { get; set; }

        /// <summary>The bucket.</summary>
        [JsonPropertyName("bucket")] public BucketDetail? Bucket { get; set; }

        /// <summary>The object.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The JSON's own name, as in AWS's event libraries.")]
        [JsonPropertyName("object")] public ObjectDetail? Object { get; set; }

        /// <summary>The S3 request's id.</summary>
        [JsonPropertyName("request-id")] public string? RequestId { get; set; }

        /// <summary>The account or service that made the request.</summary>
        [JsonPropertyName("requester")] public string? Requester { get; set; }

        /// <summary><c>PutObject</c>, <c>CopyObject</c>, <c>CompleteMultipartUpload</c>, …</summary>
        [JsonPropertyName("reason")] public string? Reason { get; set; }
    }

    /// <summary>A bucket.</summary>
    public sealed class BucketDetail
    {
        /// <summary>Its name.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    /// <summary>An object.</summary>
    public sealed class ObjectDetail
    {
        /// <summary>The key, as it is (not URL-encoded).</summary>
        [JsonPropertyName("key")] public string? Key { get; set; }

        /// <summary>Its size in bytes.</summary>
        [JsonPropertyName("size")] public long Size { get; set; }

        /// <summary>Its ETag, unquoted.</summary>
        [JsonPropertyName("etag")] public string? ETag { get; set; }

        /// <summary>Its version id, in a versioned bucket.</summary>
        [JsonPropertyName("version-id")] public string? VersionId { get; set; }

        /// <summary>Orders the events of one key.</summary>
        [JsonPropertyName("sequencer")] public string? Sequencer { get; set; }
    }
}
