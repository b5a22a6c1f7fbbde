using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>How to upload: send exactly these headers with the PUT.</summary>
public sealed record UploadTicket(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("headers")] Dictionary<string, string> Headers,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);
