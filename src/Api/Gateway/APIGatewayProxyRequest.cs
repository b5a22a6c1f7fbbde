using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The event API Gateway's REST API (payload format 1.0) sends to a Lambda proxy integration.
/// Shaped like Amazon.Lambda.APIGatewayEvents.APIGatewayProxyRequest, with the same JSON names.
/// </summary>
/// <remarks>
/// <see cref="Body"/> is base64 when <see cref="IsBase64Encoded"/> is true, which happens for
/// every request whose Content-Type matches one of the API's binary media types (<c>*/*</c> here).
/// Header names arrive as the client sent them; treat them case-insensitively.
/// </remarks>
public sealed class APIGatewayProxyRequest
{
    /// <summary>The resource template, e.g. <c>/{proxy+}</c>.</summary>
    [JsonPropertyName("resource")] public string? Resource { get; set; }
    /// <summary>The request path, without the stage.</summary>
    [JsonPropertyName("path")] public string? Path { get; set; }
    /// <summary>GET, POST, …</summary>
    [JsonPropertyName("httpMethod")] public string? HttpMethod { get; set; }
    /// <summary>Last value of each header.</summary>
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    /// <summary>Every value of each header.</summary>
    [JsonPropertyName("multiValueHeaders")] public Dictionary<string, List<string>>? MultiValueHeaders { get; set; }
    /// <summary>Last value of each query parameter, URL-decoded.</summary>
    [JsonPropertyName("queryStringParameters")] public Dictionary<string, string>? QueryStringParameters { get; set; }
    /// <summary>Every value of each query parameter.</summary>
    [JsonPropertyName("multiValueQueryStringParameters")] public Dictionary<string, List<string>>? MultiValueQueryStringParameters { get; set; }
    /// <summary>Values of the resource template's path parameters.</summary>
    [JsonPropertyName("pathParameters")] public Dictionary<string, string>? PathParameters { get; set; }
    /// <summary>The stage's variables.</summary>
    [JsonPropertyName("stageVariables")] public Dictionary<string, string>? StageVariables { get; set; }
    /// <summary>Who called, through which stage, with which request id.</summary>
    [JsonPropertyName("requestContext")] public ProxyRequestContext? RequestContext { get; set; }
    /// <summary>The body: text, or base64 when <see cref="IsBase64Encoded"/>.</summary>
    [JsonPropertyName("body")] public string? Body { get; set; }
    /// <summary>True when <see cref="Body"/> is base64-encoded binary.</summary>
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }

    /// <summary>The request context of a REST API event.</summary>
    public sealed class ProxyRequestContext
    {
        /// <summary>The API Gateway request id (also sent back as x-amzn-RequestId).</summary>
        [JsonPropertyName("requestId")] public string? RequestId { get; set; }
        /// <summary>The stage name, e.g. <c>Prod</c>.</summary>
        [JsonPropertyName("stage")] public string? Stage { get; set; }
        /// <summary>The resource path template.</summary>
        [JsonPropertyName("resourcePath")] public string? ResourcePath { get; set; }
        /// <summary>The HTTP method.</summary>
        [JsonPropertyName("httpMethod")] public string? HttpMethod { get; set; }
        /// <summary>The full path including the stage.</summary>
        [JsonPropertyName("path")] public string? Path { get; set; }
        /// <summary>The API's id.</summary>
        [JsonPropertyName("apiId")] public string? ApiId { get; set; }
        /// <summary>The account that owns the API.</summary>
        [JsonPropertyName("accountId")] public string? AccountId { get; set; }
        /// <summary>Request time in epoch milliseconds.</summary>
        [JsonPropertyName("requestTimeEpoch")] public long RequestTimeEpoch { get; set; }
        /// <summary>The caller.</summary>
        [JsonPropertyName("identity")] public RequestIdentity? Identity { get; set; }
        /// <summary>What the method's authorizer said about the caller, when it has one.</summary>
        [JsonPropertyName("authorizer")] public RequestAuthorizer? Authorizer { get; set; }
    }

    /// <summary>
    /// What a REST API authorizer passes on: a Cognito user pool authorizer the token's claims, a
    /// Lambda authorizer its principal id (and its context's values, not read here).
    /// </summary>
    public sealed class RequestAuthorizer
    {
        /// <summary>A Lambda authorizer's principal.</summary>
        [JsonPropertyName("principalId")] public string? PrincipalId { get; set; }
        /// <summary>A Cognito user pool token's claims (sub, iss, …), as strings.</summary>
        [JsonPropertyName("claims")] public JsonElement? Claims { get; set; }
    }

    /// <summary>The caller of a REST API request.</summary>
    public sealed class RequestIdentity
    {
        /// <summary>The client's IP address.</summary>
        [JsonPropertyName("sourceIp")] public string? SourceIp { get; set; }
        /// <summary>The client's User-Agent.</summary>
        [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
        /// <summary>The API key id used, when the method requires one.</summary>
        [JsonPropertyName("apiKeyId")] public string? ApiKeyId { get; set; }
        /// <summary>The IAM principal that signed the request (IAM authorization), e.g. <c>arn:aws:sts::…:assumed-role/Role/session</c>.</summary>
        [JsonPropertyName("userArn")] public string? UserArn { get; set; }
        /// <summary>The Cognito identity pool identity of an IAM-signed request, whose role all the pool's users share.</summary>
        [JsonPropertyName("cognitoIdentityId")] public string? CognitoIdentityId { get; set; }
    }
}
