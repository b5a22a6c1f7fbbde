using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Api.Gateway;
using Pipeline.Lambda;

namespace Pipeline.Local;

/// <summary>
/// Serves the API function over HTTP the way API Gateway's REST API fronts it in AWS: each
/// request becomes a proxy event (binary media types <c>*/*</c>, so every body arrives
/// base64-encoded), the same handler runs in-process, and its proxy response becomes the
/// HTTP response. API Gateway's 10 MB request limit and Lambda's 6 MB invocation payload
/// limit are enforced here as in the cloud, with the API's JSON error shape.
/// </summary>
public sealed class ApiGatewayEmulator : IDisposable
{
    /// <summary>API Gateway REST API's request payload limit.</summary>
    public const int MaxRequestBytes = 10 * 1024 * 1024;

    /// <summary>Lambda's synchronous invocation payload limit, request and response.</summary>
    public const int MaxInvocationPayloadBytes = 6 * 1024 * 1024;

    private const string UploadHint = "For large images use POST /uploads to get an upload URL.";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IInvocationHandler _handler;
    private readonly SemaphoreSlim _concurrency;
    private readonly JsonLog _log;

    /// <summary>
    /// Creates a gateway in front of <paramref name="handler"/> that runs at most
    /// <paramref name="maxConcurrency"/> invocations at once (Lambda's reserved concurrency;
    /// further requests wait instead of being throttled).
    /// </summary>
    public ApiGatewayEmulator(IInvocationHandler handler, int maxConcurrency, JsonLog log)
    {
        _handler = handler;
        _concurrency = new SemaphoreSlim(maxConcurrency);
        _log = log;
    }

    /// <summary>Handles one HTTP request end to end.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var body = await ReadBodyAsync(http.Request, cancellationToken);
        if (body is null)
        {
            await RejectAsync(http, $"The request exceeds API Gateway's {MaxRequestBytes} byte limit. {UploadHint}");
            return;
        }
        var requestId = Guid.NewGuid().ToString();
        var payload = WriteEvent(http, body, requestId);
        if (payload.Length > MaxInvocationPayloadBytes)
        {
            await RejectAsync(http, $"The request ({body.Length} bytes, {payload.Length} as a Lambda event) exceeds Lambda's {MaxInvocationPayloadBytes} byte payload limit. {UploadHint}");
            return;
        }

        ReadOnlyMemory<byte> result;
        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            var invocation = new Invocation(requestId, DateTimeOffset.UtcNow.AddSeconds(29), null, null, payload);
            result = await _handler.HandleAsync(invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await GatewayErrorAsync(http, e.GetType().Name + ": " + e.Message);
            return;
        }
        finally
        {
            _concurrency.Release();
        }
        if (result.Length > MaxInvocationPayloadBytes)
        {
            await GatewayErrorAsync(http, "the function's response exceeds Lambda's 6 MB payload limit");
            return;
        }
        await WriteResponseAsync(http, result.ToArray());
    }

    /// <summary>The body, or null when it exceeds <see cref="MaxRequestBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            if (length > MaxRequestBytes)
                return null;
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxRequestBytes)
                    return null;
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    /// <summary>Writes the REST API (1.0) proxy event API Gateway sends for this request.</summary>
    public static byte[] WriteEvent(HttpContext http, byte[] body, string requestId)
    {
        var request = http.Request;
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        var buffer = new ArrayBufferWriter<byte>(body.Length * 4 / 3 + 4096);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("resource", "/{proxy+}");
            json.WriteString("path", path);
            json.WriteString("httpMethod", request.Method);
            WriteMap(json, "headers", "multiValueHeaders", request.Headers.Select(h => (h.Key, h.Value)));
            WriteMap(json, "queryStringParameters", "multiValueQueryStringParameters", request.Query.Select(q => (q.Key, q.Value)));
            json.WriteStartObject("pathParameters");
            json.WriteString("proxy", path.TrimStart('/'));
            json.WriteEndObject();
            json.WriteNull("stageVariables");
            json.WriteStartObject("requestContext");
            json.WriteString("requestId", requestId);
            json.WriteString("stage", "local");
            json.WriteString("resourcePath", "/{proxy+}");
            json.WriteString("httpMethod", request.Method);
            json.WriteString("path", path); // the path as called: locally there is no stage in the URL
            json.WriteString("apiId", "local");
            json.WriteString("accountId", "000000000000");
            json.WriteNumber("requestTimeEpoch", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            json.WriteStartObject("identity");
            json.WriteString("sourceIp", http.Connection.RemoteIpAddress?.ToString());
            json.WriteString("userAgent", request.Headers.UserAgent.ToString());
            json.WriteEndObject();
            json.WriteEndObject();
            if (body.Length == 0)
            {
                json.WriteNull("body");
                json.WriteBoolean("isBase64Encoded", false);
            }
            else
            {
                json.WriteBase64String("body", body); // binary media types */*: every body is base64
                json.WriteBoolean("isBase64Encoded", true);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMap(Utf8JsonWriter json, string single, string multi, IEnumerable<(string Key, StringValues Values)> entries)
    {
        var list = entries.ToList();
        if (list.Count == 0)
        {
            json.WriteNull(single);
            json.WriteNull(multi);
            return;
        }
        json.WriteStartObject(single);
        foreach (var (key, values) in list)
            json.WriteString(key, values.LastOrDefault());
        json.WriteEndObject();
        json.WriteStartObject(multi);
        foreach (var (key, values) in list)
        {
            json.WriteStartArray(key);
            foreach (var value in values)
                json.WriteStringValue(value);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static async Task WriteResponseAsync(HttpContext http, byte[] document)
    {
        var (proxy, body) = ProxyBody.Read<APIGatewayProxyResponse>(document);
        var response = http.Response;
        response.StatusCode = proxy.StatusCode;
        foreach (var (name, value) in proxy.Headers ?? [])
            response.Headers[name] = value;
        foreach (var (name, values) in proxy.MultiValueHeaders ?? [])
            response.Headers[name] = new StringValues([.. values]);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
    }

    private async Task RejectAsync(HttpContext http, string message)
    {
        var error = Responses.Error(ErrorCode.PayloadTooLarge, message);
        _log.Write("info", "rejected by gateway", ("status", error.StatusCode), ("reason", message));
        var response = http.Response;
        response.StatusCode = error.StatusCode;
        foreach (var (name, value) in error.Headers)
            response.Headers[name] = value;
        response.Headers.Connection = "close"; // the unread body is not drained
        response.ContentLength = error.Body.Length;
        await response.Body.WriteAsync(error.Body);
    }

    private async Task GatewayErrorAsync(HttpContext http, string reason)
    {
        // What API Gateway answers when the integration itself fails: a bare 502.
        _log.Write("error", "integration failure", ("reason", reason));
        if (http.Response.HasStarted)
            return;
        http.Response.StatusCode = 502;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync("""{"message":"Internal server error"}"""u8.ToArray());
    }

    /// <inheritdoc/>
    public void Dispose() => _concurrency.Dispose();
}
