using System.Text.Json.Serialization;

namespace Pipeline.Jobs;

/// <summary>Source-generated JSON for the documents the job store writes and reads.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(ErrorReport))]
public sealed partial class JobsJsonContext : JsonSerializerContext;
