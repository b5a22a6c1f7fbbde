using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Api;

/// <summary>The JSON error body: <c>{"error":{"code":"...","message":"..."}}</c>.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);
