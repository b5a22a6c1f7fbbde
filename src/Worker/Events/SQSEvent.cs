using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// The event Lambda's SQS event source mapping delivers: a batch of up to 10 messages (by
/// default). Shaped like Amazon.Lambda.SQSEvents.SQSEvent, with the same JSON names.
/// </summary>
public sealed class SQSEvent
{
    /// <summary>The messages of the batch.</summary>
    [JsonPropertyName("Records")] public List<SQSMessage>? Records { get; set; }

    /// <summary>One SQS message.</summary>
    public sealed class SQSMessage
    {
        /// <summary>The message id; what a partial batch response names.</summary>
        [JsonPropertyName("messageId")] public string? MessageId { get; set; }
        /// <summary>The handle to delete or change the visibility of this receipt.</summary>
        [JsonPropertyName("receiptHandle")] public string? ReceiptHandle { get; set; }
        /// <summary>The message body; for S3 notifications, the S3 event JSON.</summary>
        [JsonPropertyName("body")] public string? Body { get; set; }
        /// <summary>MD5 of the body.</summary>
        [JsonPropertyName("md5OfBody")] public string? Md5OfBody { get; set; }
        /// <summary>System attributes, e.g. ApproximateReceiveCount, SentTimestamp.</summary>
        [JsonPropertyName("attributes")] public Dictionary<string, string>? Attributes { get; set; }
        /// <summary>Message attributes set by the sender.</summary>
        [JsonPropertyName("messageAttributes")] public Dictionary<string, MessageAttribute>? MessageAttributes { get; set; }
        /// <summary>Always <c>aws:sqs</c>.</summary>
        [JsonPropertyName("eventSource")] public string? EventSource { get; set; }
        /// <summary>The queue's ARN.</summary>
        [JsonPropertyName("eventSourceARN")] public string? EventSourceArn { get; set; }
        /// <summary>The queue's region.</summary>
        [JsonPropertyName("awsRegion")] public string? AwsRegion { get; set; }
    }

    /// <summary>A message attribute.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The official type's name.")]
    public sealed class MessageAttribute
    {
        /// <summary>String, Number or Binary.</summary>
        [JsonPropertyName("dataType")] public string? DataType { get; set; }
        /// <summary>The value of a String or Number attribute.</summary>
        [JsonPropertyName("stringValue")] public string? StringValue { get; set; }
        /// <summary>The base64 value of a Binary attribute.</summary>
        [JsonPropertyName("binaryValue")] public string? BinaryValue { get; set; }
    }
}
