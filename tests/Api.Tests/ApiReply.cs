using System.Text;
using System.Text.Json;
using Pipeline.Api.Gateway;
using Pipeline.Lambda;

namespace Pipeline.Tests;

/// <summary>A proxy response document as API Gateway would read it, with assertions on its shape.</summary>
internal sealed record ApiReply(int StatusCode, IReadOnlyDictionary<string, string> Headers, bool IsBase64Encoded, byte[] Body)
{
    /// <summary>
    /// Deserialises <paramref name="document"/> with the Lambda contract's own JSON context, in the
    /// request's shape: an HTTP API (2.0) response when <paramref name="httpV2"/>, else a REST (1.0) one.
    /// </summary>
    public static ApiReply Parse(ReadOnlyMemory<byte> document, bool httpV2 = false)
    {
        var (status, headers, body, isBase64) = httpV2
            ? JsonSerializer.Deserialize(document.Span, GatewayJsonContext.Default.APIGatewayHttpApiV2ProxyResponse) is { } v2
                ? (v2.StatusCode, v2.Headers, v2.Body, v2.IsBase64Encoded)
                : throw new JsonException("null response")
            : JsonSerializer.Deserialize(document.Span, GatewayJsonContext.Default.APIGatewayProxyResponse) is { } v1
                ? (v1.StatusCode, v1.Headers, v1.Body, v1.IsBase64Encoded)
                : throw new JsonException("null response");
        return new ApiReply(
            status,
            new Dictionary<string, string>(headers ?? [], StringComparer.OrdinalIgnoreCase),
            isBase64,
            isBase64 ? Convert.FromBase64String(body ?? "") : Encoding.UTF8.GetBytes(body ?? ""));
    }

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>Asserts a binary image answer of <paramref name="mediaType"/> and returns its bytes.</summary>
    public byte[] Image(string mediaType)
    {
        Assert.True(StatusCode == 200, $"expected 200, got {StatusCode}: {(IsBase64Encoded ? "(binary)" : Text)}");
        Assert.True(IsBase64Encoded);
        Assert.Equal(mediaType, Header("Content-Type"));
        AssertDataHeaders();
        return Body;
    }

    /// <summary>Asserts what every answer that is data (JSON, an image) carries: nosniff, no referrer, and the sandbox policy.</summary>
    public void AssertDataHeaders()
    {
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
        Assert.Equal(Pipeline.Api.Responses.DataPolicy, Header("Content-Security-Policy"));
    }

    /// <summary>Asserts the one error shape with <paramref name="status"/> and <paramref name="code"/>; returns the message.</summary>
    public string Error(int status, string code)
    {
        var (actual, message) = ErrorOf(status);
        Assert.Equal(code, actual);
        return message;
    }

    /// <summary>
    /// Asserts the one error shape, <c>{"error":{"code","message"}}</c> as JSON text with no
    /// trace of internals, with <paramref name="status"/>; returns its code and message.
    /// </summary>
    public (string Code, string Message) ErrorOf(int status)
    {
        Assert.True(StatusCode == status, $"expected {status}, got {StatusCode}: {(IsBase64Encoded ? "(binary)" : Text)}");
        Assert.False(IsBase64Encoded);
        Assert.Equal("application/json", Header("Content-Type"));
        AssertDataHeaders();
        Assert.DoesNotContain("   at ", Text, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", Text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(Body);
        var error = json.RootElement.GetProperty("error");
        var code = error.GetProperty("code").GetString();
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(code));
        Assert.False(string.IsNullOrWhiteSpace(message));
        return (code!, message!);
    }
}
