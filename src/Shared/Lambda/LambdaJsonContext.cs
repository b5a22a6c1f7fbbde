using System.Text.Json.Serialization;

namespace Pipeline.Lambda;

/// <summary>Source-generated JSON metadata for the Runtime API's own documents (no reflection, AOT-safe).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuntimeError))]
public sealed partial class LambdaJsonContext : JsonSerializerContext;
