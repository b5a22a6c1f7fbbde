using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>
/// What SNS puts in an SQS message for a queue subscribed to a topic without raw message
/// delivery: an envelope whose <see cref="Message"/> is the published text, here an S3
/// notification's JSON as a string (S3 → SNS → SQS, the usual fan-out). With raw delivery the
/// message body is the S3 notification itself. Shaped like Amazon.Lambda.SNSEvents' message.
/// </summary>
public sealed class SnsNotification
{
    /// <summary><c>Notification</c> (a subscription's confirmation messages say otherwise).</summary>
    [JsonPropertyName("Type")] public string? Type { get; set; }

    /// <summary>SNS's id of the published message.</summary>
    [JsonPropertyName("MessageId")] public string? MessageId { get; set; }

    /// <summary>The topic it was published to.</summary>
    [JsonPropertyName("TopicArn")] public string? TopicArn { get; set; }

    /// <summary><c>Amazon S3 Notification</c> for S3's messages.</summary>
    [JsonPropertyName("Subject")] public string? Subject { get; set; }

    /// <summary>The published text: for S3, the notification's JSON.</summary>
    [JsonPropertyName("Message")] public string? Message { get; set; }

    /// <summary>When it was published.</summary>
    [JsonPropertyName("Timestamp")] public string? Timestamp { get; set; }

    /// <summary>"1" or "2".</summary>
    [JsonPropertyName("SignatureVersion")] public string? SignatureVersion { get; set; }

    /// <summary>SNS's signature of the envelope.</summary>
    [JsonPropertyName("Signature")] public string? Signature { get; set; }

    /// <summary>Where the signing certificate is.</summary>
    [JsonPropertyName("SigningCertURL")] public string? SigningCertUrl { get; set; }

    /// <summary>Where to unsubscribe.</summary>
    [JsonPropertyName("UnsubscribeURL")] public string? UnsubscribeUrl { get; set; }
}
