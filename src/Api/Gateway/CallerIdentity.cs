using System.Text.Json;

namespace Pipeline.Api.Gateway;

/// <summary>
/// Who API Gateway says is calling, as one string: the owner of the jobs the caller creates (see
/// <see cref="ApiRequest.Caller"/>). An authorizer's word wins over the API key, which only
/// meters: a token's issuer and subject (<c>user &lt;iss&gt; &lt;sub&gt;</c>), a Lambda
/// authorizer's principal (<c>principal &lt;id&gt;</c>), a Cognito identity pool identity
/// (<c>cognito-identity &lt;id&gt;</c>, whose IAM role the pool's users share), the IAM signer's
/// ARN as passed, session name included (<c>iam &lt;arn&gt;</c>); else the API key's id
/// (<c>key-&lt;id&gt;</c>). Null when the request carries none of them (no keys, no authorizer).
/// </summary>
public static class CallerIdentity
{
    /// <summary>The caller of a REST API (payload 1.0) request.</summary>
    public static string? Of(APIGatewayProxyRequest.ProxyRequestContext? context)
    {
        var identity = context?.Identity;
        return User(context?.Authorizer?.Claims)
            ?? Prefixed("principal ", context?.Authorizer?.PrincipalId)
            ?? Prefixed("cognito-identity ", identity?.CognitoIdentityId)
            ?? Prefixed("iam ", identity?.UserArn)
            ?? Prefixed("key-", identity?.ApiKeyId);
    }

    /// <summary>The caller of an HTTP API (payload 2.0) request; HTTP APIs have no API keys.</summary>
    public static string? Of(APIGatewayHttpApiV2ProxyRequest.ProxyRequestContext? context)
    {
        var authorizer = context?.Authorizer;
        return User(authorizer?.Jwt?.Claims)
            ?? Prefixed("cognito-identity ", authorizer?.Iam?.CognitoIdentity?.IdentityId)
            ?? Prefixed("iam ", authorizer?.Iam?.UserArn);
    }

    private static string? User(JsonElement? claims)
    {
        if (claims is not { ValueKind: JsonValueKind.Object } map || Text(map, "sub") is not { } subject)
            return null;
        return Text(map, "iss") is { } issuer ? $"user {issuer} {subject}" : "user " + subject;
    }

    private static string? Text(JsonElement map, string name) =>
        map.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static string? Prefixed(string prefix, string? value) => string.IsNullOrEmpty(value) ? null : prefix + value;
}
