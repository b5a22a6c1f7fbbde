namespace Pipeline.Api.Gateway;

/// <summary>An HTTP response to return through API Gateway.</summary>
public sealed class ApiResponse
{
    /// <summary>The HTTP status.</summary>
    public required int StatusCode { get; init; }
    /// <summary>Response headers.</summary>
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }
    /// <summary>True to send the body as binary (base64 on the wire); false for UTF-8 text.</summary>
    public bool IsBinary { get; init; }
}
