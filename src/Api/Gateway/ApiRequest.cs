namespace Pipeline.Api.Gateway;

/// <summary>The HTTP request inside an API Gateway proxy event, whichever payload format carried it.</summary>
public sealed class ApiRequest
{
    /// <summary>GET, POST, … (upper case).</summary>
    public required string Method { get; init; }
    /// <summary>The path, without the stage.</summary>
    public required string Path { get; init; }
    /// <summary>
    /// What the client's URL has before <see cref="Path"/>: "/Prod" on an execute-api URL, "" on
    /// a $default stage or locally. Links the API hands out start with it.
    /// </summary>
    public string BasePath { get; init; } = "";
    /// <summary>Headers; names compare case-insensitively.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
    /// <summary>Query parameters, URL-decoded.</summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }
    /// <summary>The decoded body (binary or UTF-8 text); empty when there is none.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }
    /// <summary>API Gateway's request id, when present.</summary>
    public string? RequestId { get; init; }
    /// <summary>
    /// Who API Gateway says is calling (see <see cref="CallerIdentity"/>): the jobs it creates
    /// are its own, and no other caller reads them. Null when nothing identifies the caller (a
    /// deployment without keys or authorizer); such jobs are read by any such caller.
    /// </summary>
    public string? Caller { get; init; }

    /// <summary>The header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
