using System.Text.Json.Serialization;

namespace Pipeline.Api;

/// <summary>The body of GET /health.</summary>
public sealed record HealthBody([property: JsonPropertyName("status")] string Status);
