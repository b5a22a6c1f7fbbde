using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// The answer to an <see cref="S3BatchJobEvent"/>: a result per task. S3 retries a task
/// answered <c>TemporaryFailure</c> (a few times), records <c>Succeeded</c> and
/// <c>PermanentFailure</c> as they are, and copies each result string into the job's
/// completion report.
/// </summary>
public sealed class S3BatchJobResponse
{
    /// <summary>The event's schema version.</summary>
    [JsonPropertyName("invocationSchemaVersion")] public string? InvocationSchemaVersion { get; set; }

    /// <summary>What S3 records for a task this response leaves out.</summary>
    [JsonPropertyName("treatMissingKeysAs")] public string? TreatMissingKeysAs { get; set; }

    /// <summary>The event's invocation id.</summary>
    [JsonPropertyName("invocationId")] public string? InvocationId { get; set; }

    /// <summary>One result per task.</summary>
    [JsonPropertyName("results")] public List<TaskResult> Results { get; set; } = [];

    /// <summary>The outcome of one task.</summary>
    public sealed class TaskResult
    {
        /// <summary>The task's id.</summary>
        [JsonPropertyName("taskId")] public string? TaskId { get; set; }

        /// <summary><c>Succeeded</c>, <c>TemporaryFailure</c> or <c>PermanentFailure</c> (see <see cref="BatchResultCode"/>).</summary>
        [JsonPropertyName("resultCode")] public string? ResultCode { get; set; }

        /// <summary>What happened, in words, for the completion report.</summary>
        [JsonPropertyName("resultString")] public string? ResultString { get; set; }
    }
}
