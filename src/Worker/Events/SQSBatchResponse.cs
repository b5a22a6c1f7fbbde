using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// A partial batch response: the messages named here are retried, all others are deleted.
/// Needs <c>FunctionResponseTypes: [ReportBatchItemFailures]</c> on the event source mapping.
/// Shaped like Amazon.Lambda.SQSEvents.SQSBatchResponse.
/// </summary>
public sealed class SQSBatchResponse
{
    /// <summary>The failed messages.</summary>
    [JsonPropertyName("batchItemFailures")] public List<BatchItemFailure> BatchItemFailures { get; set; } = [];

    /// <summary>One failed message.</summary>
    public sealed class BatchItemFailure
    {
        /// <summary>The failed message's <see cref="SQSEvent.SQSMessage.MessageId"/>.</summary>
        [JsonPropertyName("itemIdentifier")] public string? ItemIdentifier { get; set; }
    }
}
