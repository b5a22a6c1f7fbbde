using System.Text.Json.Serialization;
using Pipeline.Jobs;

namespace Pipeline.Worker.Events;

/// <summary>Source-generated JSON metadata for the events the worker receives and the answers it gives (AOT-safe).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SQSEvent))]
[JsonSerializable(typeof(SQSBatchResponse))]
[JsonSerializable(typeof(S3BatchJobEvent))]
[JsonSerializable(typeof(S3BatchJobResponse))]
[JsonSerializable(typeof(S3Notification))]
[JsonSerializable(typeof(SnsNotification))]
[JsonSerializable(typeof(EventBridgeS3Event))]
public sealed partial class WorkerJsonContext : JsonSerializerContext;
