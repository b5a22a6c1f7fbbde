using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Api.Gateway;

/// <summary>Reads API Gateway proxy events into <see cref="ApiRequest"/> and writes <see cref="ApiResponse"/> back.</summary>
public static class ApiGatewayHttp
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>
    /// Parses a REST (1.0) or HTTP API (2.0) proxy event, leaving the event as it is: a text
    /// body points into it, a base64 body is decoded into an array of its own (see
    /// <see cref="ProxyBody"/>). Throws <see cref="JsonException"/> or <see cref="FormatException"/>
    /// for a malformed event, and <see cref="UnsupportedEventException"/> for an event with no
    /// HTTP method or path (another service's event: SQS, S3, EventBridge, a WebSocket route).
    /// </summary>
    public static ApiRequest ReadRequest(byte[] eventJson)
    {
        var scan = ProxyBody.Scan(eventJson);
        if (scan.Version == "2.0")
        {
            var (v2, body) = ProxyBody.Read<APIGatewayHttpApiV2ProxyRequest>(eventJson, scan);
            var http = v2.RequestContext?.Http;
            if (http?.Method is null || (v2.RawPath ?? http.Path) is not { } rawPath)
                throw UnsupportedEventException.For(eventJson);
            return new ApiRequest
            {
                Method = http.Method.ToUpperInvariant(),
                Path = WithoutStage(rawPath, v2.RequestContext?.Stage),
                BasePath = v2.RequestContext?.Stage is { Length: > 0 } stage && stage != "$default" ? "/" + stage : "",
                Headers = CaseInsensitive(v2.Headers),
                Query = v2.QueryStringParameters ?? [],
                Body = body,
                RequestId = v2.RequestContext?.RequestId,
                Caller = CallerIdentity.Of(v2.RequestContext),
            };
        }
        var (v1, v1Body) = ProxyBody.Read<APIGatewayProxyRequest>(eventJson, scan);
        if (v1.HttpMethod is null || v1.Path is null)
            throw UnsupportedEventException.For(eventJson);
        var headers = CaseInsensitive(v1.Headers);
        if (v1.Headers is null && v1.MultiValueHeaders is not null)
        {
            foreach (var (name, values) in v1.MultiValueHeaders)
                headers[name] = string.Join(',', values);
        }
        var query = v1.QueryStringParameters ?? [];
        if (v1.QueryStringParameters is null && v1.MultiValueQueryStringParameters is not null)
            query = v1.MultiValueQueryStringParameters.ToDictionary(p => p.Key, p => p.Value.LastOrDefault() ?? "");
        return new ApiRequest
        {
            Method = v1.HttpMethod.ToUpperInvariant(),
            Path = v1.Path,
            BasePath = BasePathOf(v1.RequestContext?.Path, v1.Path),
            Headers = headers,
            Query = query,
            Body = v1Body,
            RequestId = v1.RequestContext?.RequestId,
            Caller = CallerIdentity.Of(v1.RequestContext),
        };
    }

    /// <summary>
    /// Writes <paramref name="response"/> as a proxy response document (the 1.0 and 2.0 formats
    /// share these fields). Binary bodies are base64-encoded straight into the JSON buffer.
    /// </summary>
    public static ReadOnlyMemory<byte> WriteResponse(ApiResponse response)
    {
        int bodySize = response.IsBinary ? Base64.GetMaxEncodedToUtf8Length(response.Body.Length) : response.Body.Length * 6;
        var buffer = new ArrayBufferWriter<byte>(bodySize + 512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("statusCode"u8, response.StatusCode);
            json.WriteStartObject("headers"u8);
            foreach (var (name, value) in response.Headers)
                json.WriteString(name, value);
            json.WriteEndObject();
            if (response.IsBinary)
                json.WriteBase64String("body"u8, response.Body.Span);
            else
                json.WriteString("body"u8, response.Body.Span);
            json.WriteBoolean("isBase64Encoded"u8, response.IsBinary);
            json.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    // Built with the indexer, not the copy constructor: a REST event may carry one name in two
    // spellings ("Accept" and "accept"), and the last one wins, as for a repeated header.
    private static Dictionary<string, string> CaseInsensitive(Dictionary<string, string>? headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers ?? [])
            result[name] = value;
        return result;
    }

    // A REST API's requestContext.path is the path the client called ("/Prod/uploads", or with a
    // custom domain's base path mapping), its path the route's ("/uploads").
    private static string BasePathOf(string? calledPath, string? path) =>
        calledPath is not null && path is not null && calledPath.EndsWith(path, StringComparison.Ordinal)
            ? calledPath[..^path.Length].TrimEnd('/')
            : "";

    // An HTTP API's rawPath includes a named stage ("/prod/grayscale"); routes do not.
    private static string WithoutStage(string path, string? stage)
    {
        if (string.IsNullOrEmpty(stage) || stage == "$default")
            return path;
        var prefix = "/" + stage;
        if (path == prefix)
            return "/";
        return path.StartsWith(prefix + "/", StringComparison.Ordinal) ? path[prefix.Length..] : path;
    }
}
