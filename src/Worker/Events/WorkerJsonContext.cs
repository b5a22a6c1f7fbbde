using System.Text.Json.Serialization;

namespace Pipeline.Worker.Events;

/// <summary>Source-generated JSON metadata for the events the worker receives and the answers it gives (AOT-safe).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SQSEvent))]
[JsonSerializable(typeof(SQSBatchResponse))]
[JsonSerializable(typeof(S3BatchJobEvent))]
[JsonSerializable(typeof(S3BatchJobResponse))]
public sealed partial class WorkerJsonContext : JsonSerializerContext;
