using System.Text.Json.Serialization;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The response an HTTP API (payload format 2.0) integration returns. Shaped like
/// Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyResponse.
/// </summary>
public sealed class APIGatewayHttpApiV2ProxyResponse
{
    /// <summary>The HTTP status.</summary>
    [JsonPropertyName("statusCode")] public int StatusCode { get; set; }
    /// <summary>Response headers.</summary>
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    /// <summary>Set-Cookie values.</summary>
    [JsonPropertyName("cookies")] public List<string>? Cookies { get; set; }
    /// <summary>The body: text, or base64 when <see cref="IsBase64Encoded"/>.</summary>
    [JsonPropertyName("body")] public string? Body { get; set; }
    /// <summary>True when <see cref="Body"/> is base64 that API Gateway must decode to binary.</summary>
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }
}
