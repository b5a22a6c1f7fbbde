using System.Text.Json.Serialization;

namespace Pipeline.Jobs;

/// <summary>
/// The <c>&lt;key&gt;.error.json</c> the worker writes for an input it cannot process:
/// <c>{"code":"corrupt_image","message":"...","sourceKey":"...","sourceETag":"...","time":"..."}</c>.
/// </summary>
public sealed record ErrorReport(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("sourceKey")] string? SourceKey = null,
    [property: JsonPropertyName("sourceETag")] string? SourceETag = null,
    [property: JsonPropertyName("time")] DateTimeOffset? Time = null);
