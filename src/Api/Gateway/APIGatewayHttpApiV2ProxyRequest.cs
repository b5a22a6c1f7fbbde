using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The event an HTTP API (payload format 2.0) sends to a Lambda integration. Shaped like
/// Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyRequest, with the same JSON names.
/// </summary>
/// <remarks>
/// Header names arrive lower-cased; repeated headers are joined with commas. Query parameters
/// are URL-decoded; <see cref="RawQueryString"/> is not. Cookies are split out of the headers.
/// </remarks>
public sealed class APIGatewayHttpApiV2ProxyRequest
{
    /// <summary>Always <c>2.0</c>.</summary>
    [JsonPropertyName("version")] public string? Version { get; set; }
    /// <summary>The matched route, e.g. <c>POST /{proxy+}</c> or <c>$default</c>.</summary>
    [JsonPropertyName("routeKey")] public string? RouteKey { get; set; }
    /// <summary>The request path.</summary>
    [JsonPropertyName("rawPath")] public string? RawPath { get; set; }
    /// <summary>The query string as sent, without the '?'.</summary>
    [JsonPropertyName("rawQueryString")] public string? RawQueryString { get; set; }
    /// <summary>Cookies sent by the client.</summary>
    [JsonPropertyName("cookies")] public List<string>? Cookies { get; set; }
    /// <summary>Headers, lower-case names, comma-joined values.</summary>
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    /// <summary>Query parameters, URL-decoded, comma-joined values.</summary>
    [JsonPropertyName("queryStringParameters")] public Dictionary<string, string>? QueryStringParameters { get; set; }
    /// <summary>Values of the route's path parameters.</summary>
    [JsonPropertyName("pathParameters")] public Dictionary<string, string>? PathParameters { get; set; }
    /// <summary>The stage's variables.</summary>
    [JsonPropertyName("stageVariables")] public Dictionary<string, string>? StageVariables { get; set; }
    /// <summary>Request metadata.</summary>
    [JsonPropertyName("requestContext")] public ProxyRequestContext? RequestContext { get; set; }
    /// <summary>The body: text, or base64 when <see cref="IsBase64Encoded"/>.</summary>
    [JsonPropertyName("body")] public string? Body { get; set; }
    /// <summary>True when <see cref="Body"/> is base64-encoded binary.</summary>
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }

    /// <summary>The request context of an HTTP API event.</summary>
    public sealed class ProxyRequestContext
    {
        /// <summary>The API Gateway request id.</summary>
        [JsonPropertyName("requestId")] public string? RequestId { get; set; }
        /// <summary>The matched route.</summary>
        [JsonPropertyName("routeKey")] public string? RouteKey { get; set; }
        /// <summary>The stage, e.g. <c>$default</c>.</summary>
        [JsonPropertyName("stage")] public string? Stage { get; set; }
        /// <summary>The API's id.</summary>
        [JsonPropertyName("apiId")] public string? ApiId { get; set; }
        /// <summary>The account that owns the API.</summary>
        [JsonPropertyName("accountId")] public string? AccountId { get; set; }
        /// <summary>The domain the client called.</summary>
        [JsonPropertyName("domainName")] public string? DomainName { get; set; }
        /// <summary>Request time in epoch milliseconds.</summary>
        [JsonPropertyName("timeEpoch")] public long TimeEpoch { get; set; }
        /// <summary>Method, path, protocol and caller.</summary>
        [JsonPropertyName("http")] public HttpDescription? Http { get; set; }
        /// <summary>What the route's authorizer said about the caller, when it has one.</summary>
        [JsonPropertyName("authorizer")] public AuthorizerDescription? Authorizer { get; set; }
    }

    /// <summary>What an HTTP API authorizer passes on: a JWT authorizer the token's claims, IAM authorization the signer.</summary>
    public sealed class AuthorizerDescription
    {
        /// <summary>A JWT authorizer's verdict.</summary>
        [JsonPropertyName("jwt")] public JwtDescription? Jwt { get; set; }
        /// <summary>IAM authorization's signer.</summary>
        [JsonPropertyName("iam")] public IamDescription? Iam { get; set; }
    }

    /// <summary>The claims of a token a JWT authorizer accepted.</summary>
    public sealed class JwtDescription
    {
        /// <summary>The token's claims (sub, iss, …), as strings.</summary>
        [JsonPropertyName("claims")] public JsonElement? Claims { get; set; }
    }

    /// <summary>The IAM principal that signed an HTTP API request.</summary>
    public sealed class IamDescription
    {
        /// <summary>The signer's ARN.</summary>
        [JsonPropertyName("userArn")] public string? UserArn { get; set; }
        /// <summary>The Cognito identity pool identity, when the signer's role is a pool's.</summary>
        [JsonPropertyName("cognitoIdentity")] public CognitoIdentityDescription? CognitoIdentity { get; set; }
    }

    /// <summary>A Cognito identity pool identity.</summary>
    public sealed class CognitoIdentityDescription
    {
        /// <summary>The identity's id.</summary>
        [JsonPropertyName("identityId")] public string? IdentityId { get; set; }
    }

    /// <summary>The HTTP part of an HTTP API request context.</summary>
    public sealed class HttpDescription
    {
        /// <summary>GET, POST, …</summary>
        [JsonPropertyName("method")] public string? Method { get; set; }
        /// <summary>The request path.</summary>
        [JsonPropertyName("path")] public string? Path { get; set; }
        /// <summary>E.g. <c>HTTP/1.1</c>.</summary>
        [JsonPropertyName("protocol")] public string? Protocol { get; set; }
        /// <summary>The client's IP address.</summary>
        [JsonPropertyName("sourceIp")] public string? SourceIp { get; set; }
        /// <summary>The client's User-Agent.</summary>
        [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
    }
}
