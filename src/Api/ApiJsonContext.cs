using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>Source-generated JSON for the API's own bodies (AOT-safe).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(UploadRequest))]
[JsonSerializable(typeof(UploadCreated))]
[JsonSerializable(typeof(JobStatusBody))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>The context the API writes with: no needless \uXXXX escapes (these bodies are never embedded in HTML).</summary>
    public static ApiJsonContext Web { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
