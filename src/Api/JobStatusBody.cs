using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Api;

/// <summary>The body of GET /jobs/{id}.</summary>
public sealed record JobStatusBody(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("resultUrl")] string? ResultUrl = null,
    [property: JsonPropertyName("error")] ErrorDetail? Error = null);
