using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// What S3 Batch Operations sends when a job's operation is LambdaInvoke with invocation schema
/// 2.0: one synchronous invocation per object of the manifest (so <see cref="Tasks"/> holds one
/// task), answered with an <see cref="S3BatchJobResponse"/>. Schema 2.0 names the bucket
/// (<c>s3Bucket</c>) where 1.0 gave its ARN (<c>s3BucketArn</c>). Shaped like the S3BatchJobEvent
/// of AWS's Lambda event libraries, with the same JSON names.
/// </summary>
public sealed class S3BatchJobEvent
{
    /// <summary>"2.0" (or "1.0" for jobs created without a schema version).</summary>
    [JsonPropertyName("invocationSchemaVersion")] public string? InvocationSchemaVersion { get; set; }

    /// <summary>Echoed in the response.</summary>
    [JsonPropertyName("invocationId")] public string? InvocationId { get; set; }

    /// <summary>The job this invocation belongs to.</summary>
    [JsonPropertyName("job")] public BatchJob? Job { get; set; }

    /// <summary>The objects to process (one per invocation).</summary>
    [JsonPropertyName("tasks")] public List<BatchTask>? Tasks { get; set; }

    /// <summary>The job.</summary>
    public sealed class BatchJob
    {
        /// <summary>The job id.</summary>
        [JsonPropertyName("id")] public string? Id { get; set; }

        /// <summary>The job's UserArguments (schema 2.0), if any.</summary>
        [JsonPropertyName("userArguments")] public Dictionary<string, string>? UserArguments { get; set; }
    }

    /// <summary>One object of the manifest.</summary>
    public sealed class BatchTask
    {
        /// <summary>Echoed in the task's result.</summary>
        [JsonPropertyName("taskId")] public string? TaskId { get; set; }

        /// <summary>
        /// The object's key, URL-encoded as in the manifest (a space may come as '+' or %20,
        /// a '+' as %2B): decode it before use.
        /// </summary>
        [JsonPropertyName("s3Key")] public string? S3Key { get; set; }

        /// <summary>The version the manifest names, or null.</summary>
        [JsonPropertyName("s3VersionId")] public string? S3VersionId { get; set; }

        /// <summary>The bucket's name (schema 2.0).</summary>
        [JsonPropertyName("s3Bucket")] public string? S3Bucket { get; set; }

        /// <summary>The bucket's ARN (schema 1.0).</summary>
        [JsonPropertyName("s3BucketArn")] public string? S3BucketArn { get; set; }
    }
}
