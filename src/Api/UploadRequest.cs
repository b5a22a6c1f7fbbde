using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>The body of POST /uploads.</summary>
public sealed record UploadRequest(
    [property: JsonPropertyName("contentType")] string? ContentType,
    [property: JsonPropertyName("contentLength")] long? ContentLength);
