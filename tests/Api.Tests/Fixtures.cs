using System.Text.Json.Nodes;

namespace Pipeline.Tests;

/// <summary>The sample events under Events/, copied next to the test assembly.</summary>
internal static class Fixtures
{
    public const string RestV1PostBinary = "rest-v1-post-binary.json";
    public const string HttpV2PostBinary = "http-v2-post-binary.json";
    public const string RestV1GetHealth = "rest-v1-get-health.json";
    public const string HttpV2NamedStage = "http-v2-named-stage.json";
    public const string RestV1TextBody = "rest-v1-text-body.json";
    public const string RestV1CognitoAuthorizer = "rest-v1-cognito-authorizer.json";
    public const string HttpV2JwtAuthorizer = "http-v2-jwt-authorizer.json";
    public const string SqsMessage = "sqs-message.json";
    public const string S3PutNotification = "s3-put-notification.json";
    public const string WebSocketConnect = "websocket-connect.json";

    /// <summary>The fixture's bytes, exactly as stored.</summary>
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Events", name));

    /// <summary>The fixture as editable JSON (see <see cref="ApiEvents"/>).</summary>
    public static JsonObject Load(string name) => ApiEvents.Parse(Bytes(name));
}
