using System.Text.Json.Serialization;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The response a REST API (payload format 1.0) proxy integration returns. Shaped like
/// Amazon.Lambda.APIGatewayEvents.APIGatewayProxyResponse.
/// </summary>
public sealed class APIGatewayProxyResponse
{
    /// <summary>The HTTP status.</summary>
    [JsonPropertyName("statusCode")] public int StatusCode { get; set; }
    /// <summary>Single-valued response headers.</summary>
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    /// <summary>Multi-valued response headers.</summary>
    [JsonPropertyName("multiValueHeaders")] public Dictionary<string, List<string>>? MultiValueHeaders { get; set; }
    /// <summary>The body: text, or base64 when <see cref="IsBase64Encoded"/>.</summary>
    [JsonPropertyName("body")] public string? Body { get; set; }
    /// <summary>True when <see cref="Body"/> is base64 that API Gateway must decode to binary.</summary>
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }
}
