using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>The 201 answer to POST /uploads.</summary>
public sealed record UploadCreated(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("upload")] UploadTicket Upload,
    [property: JsonPropertyName("status")] string Status);
