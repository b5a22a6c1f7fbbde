using System.Text.Json.Serialization;

namespace Pipeline.Jobs;

/// <summary>Source-generated JSON for the documents the job store writes and reads, and the S3 notifications backfill sends.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(ErrorReport))]
[JsonSerializable(typeof(S3Notification))]
public sealed partial class JobsJsonContext : JsonSerializerContext;
