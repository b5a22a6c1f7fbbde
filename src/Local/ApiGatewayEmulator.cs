using System.Buffers;
using System.Diagnostics;
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
/// limit are enforced here as in the cloud, with the API's JSON error shape. With
/// <see cref="ApiKeys"/>, routes that need a key get a 403 without one of them, as from API
/// Gateway's usage plan, and the event names the key's id (<c>requestContext.identity.apiKeyId</c>).
/// </summary>
public sealed class ApiGatewayEmulator : IDisposable
{
    /// <summary>API Gateway REST API's request payload limit.</summary>
    public const int MaxRequestBytes = 10 * 1024 * 1024;

    /// <summary>Lambda's synchronous invocation payload limit, request and response.</summary>
    public const int MaxInvocationPayloadBytes = 6 * 1024 * 1024;

    private const string UploadHint = "For large images use POST /uploads to get an upload URL.";
    // The deployed API's answer (template.yaml's INVALID_API_KEY gateway response).
    private const string InvalidKeyMessage = "The API key is missing or not valid: send it in the x-api-key header.";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // What follows the body's value in every event this gateway writes.
    private static ReadOnlySpan<byte> Base64BodyEnd => "\",\"isBase64Encoded\":true}"u8;
    private static ReadOnlySpan<byte> NullBodyEnd => "null,\"isBase64Encoded\":false}"u8;

    private readonly IInvocationHandler _handler;
    private readonly SemaphoreSlim _concurrency;
    private readonly TimeSpan _readTimeout;
    private readonly TimeSpan _timeout;
    private readonly JsonLog _log;
    private readonly ApiKeys? _keys;
    private readonly Func<string, string, bool> _needsKey;

    /// <summary>
    /// Creates a gateway in front of <paramref name="handler"/> that runs at most
    /// <paramref name="maxConcurrency"/> invocations at once (Lambda's reserved concurrency;
    /// further requests wait instead of being throttled), gives each request body
    /// <paramref name="readTimeout"/> to arrive, and each invocation the function's
    /// <paramref name="timeout"/> (the template's) as its deadline. With <paramref name="keys"/>,
    /// a request for which <paramref name="needsKey"/> (method, path) is true needs one of them
    /// (by default every request but a preflight).
    /// </summary>
    public ApiGatewayEmulator(IInvocationHandler handler, int maxConcurrency, TimeSpan readTimeout, TimeSpan timeout, JsonLog log, ApiKeys? keys = null, Func<string, string, bool>? needsKey = null)
    {
        _handler = handler;
        _concurrency = new SemaphoreSlim(maxConcurrency);
        _readTimeout = readTimeout;
        _timeout = timeout;
        _log = log;
        _keys = keys;
        _needsKey = needsKey ?? ((method, _) => method != "OPTIONS");
    }

    /// <summary>Handles one HTTP request end to end.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        long started = Stopwatch.GetTimestamp();
        string? apiKeyId = null;
        if (_keys is not null && _needsKey(http.Request.Method.ToUpperInvariant(), http.Request.Path.HasValue ? http.Request.Path.Value! : "/"))
        {
            apiKeyId = _keys.IdOf(http.Request.Headers["x-api-key"].ToString());
            if (apiKeyId is null)
            {
                await RejectAsync(http, Responses.Error(ErrorCode.Forbidden, InvalidKeyMessage), "no valid API key");
                return;
            }
        }
        if (http.Request.ContentLength > MaxRequestBytes)
        {
            await RejectAsync(http, $"The request exceeds API Gateway's {MaxRequestBytes} byte limit. {UploadHint}");
            return;
        }
        using var body = await ReadBodyAsync(http);
        if (body is null)
            return; // answered: too large or too slow
        long read = Stopwatch.GetTimestamp();
        var requestId = Guid.NewGuid().ToString();
        var eventStart = WriteEventStart(http, requestId, apiKeyId);
        long eventLength = eventStart.Length + (body.Length == 0 ? NullBodyEnd.Length : 1 + body.Base64Length + Base64BodyEnd.Length);
        if (eventLength > MaxInvocationPayloadBytes)
        {
            await RejectAsync(http, $"The request ({body.Length} bytes, {eventLength} as a Lambda event) exceeds Lambda's {MaxInvocationPayloadBytes} byte payload limit. {UploadHint}");
            return;
        }

        ReadOnlyMemory<byte> result;
        long waiting = Stopwatch.GetTimestamp(), slot, invoked, integrated;
        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            slot = Stopwatch.GetTimestamp();
            // Built once a slot is free, so waiting requests hold only their bodies.
            var payload = WriteEvent(eventStart, body, (int)eventLength);
            var invocation = new Invocation(requestId, DateTimeOffset.UtcNow + _timeout, null, null, payload);
            invoked = Stopwatch.GetTimestamp();
            result = await _handler.HandleAsync(invocation, cancellationToken);
            integrated = Stopwatch.GetTimestamp();
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
        IntegrationResponse response;
        try
        {
            response = IntegrationResponse.Parse(result);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            await GatewayErrorAsync(http, "malformed Lambda proxy response: " + e.Message);
            return;
        }
        using (response)
            await WriteResponseAsync(http, response);
        // API Gateway's access log, with the gateway's own stages timed apart from the integration's.
        _log.Write("info", "gateway",
            ("requestId", requestId),
            ("apiKeyId", apiKeyId),
            ("method", http.Request.Method),
            ("path", http.Request.Path.Value),
            ("status", http.Response.StatusCode),
            ("bytesIn", body.Length),
            ("bytesOut", http.Response.ContentLength),
            ("readMs", Stopwatch.GetElapsedTime(started, read).TotalMilliseconds),
            ("waitMs", Stopwatch.GetElapsedTime(waiting, slot).TotalMilliseconds),
            ("eventMs", (Stopwatch.GetElapsedTime(read, invoked) - Stopwatch.GetElapsedTime(waiting, slot)).TotalMilliseconds),
            ("integrationMs", Stopwatch.GetElapsedTime(invoked, integrated).TotalMilliseconds),
            ("responseMs", Stopwatch.GetElapsedTime(integrated).TotalMilliseconds));
    }

    /// <summary>
    /// The body, or null once the client has been answered: 413 past <see cref="MaxRequestBytes"/>
    /// (however it was framed), 408 when it has not all arrived within the read timeout.
    /// </summary>
    private async Task<RequestBody?> ReadBodyAsync(HttpContext http)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(_readTimeout);
        RequestBody? body;
        try
        {
            body = await RequestBody.ReadAsync(http.Request.BodyReader, MaxRequestBytes, deadline.Token);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            _log.Write("info", "rejected by gateway", ("status", 408), ("reason", $"the body did not arrive within {_readTimeout.TotalSeconds} s"));
            http.Response.StatusCode = StatusCodes.Status408RequestTimeout;
            http.Response.Headers.Connection = "close";
            return null;
        }
        if (body is null)
            await RejectAsync(http, $"The request exceeds API Gateway's {MaxRequestBytes} byte limit. {UploadHint}");
        return body;
    }

    /// <summary>
    /// The REST API (1.0) proxy event API Gateway sends for this request, up to and including
    /// <c>"body":</c>; the body's value and the rest follow in <see cref="WriteEvent"/>.
    /// </summary>
    private static byte[] WriteEventStart(HttpContext http, string requestId, string? apiKeyId)
    {
        var request = http.Request;
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        var buffer = new ArrayBufferWriter<byte>(2048);
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
            if (apiKeyId is not null)
                json.WriteString("apiKeyId", apiKeyId); // the id, which the function needs (API Gateway adds the key itself as identity.apiKey)
            json.WriteEndObject();
            json.WriteEndObject();
            json.WritePropertyName("body");
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The whole event in one array of exactly <paramref name="length"/> bytes: binary media
    /// types <c>*/*</c>, so a body is always base64, encoded straight from the pooled chunks it
    /// arrived in. The array is not zeroed first: every byte of it is written here.
    /// </summary>
    private static byte[] WriteEvent(byte[] eventStart, RequestBody body, int length)
    {
        var payload = GC.AllocateUninitializedArray<byte>(length);
        var rest = payload.AsSpan();
        eventStart.CopyTo(rest);
        rest = rest[eventStart.Length..];
        if (body.Length == 0)
        {
            NullBodyEnd.CopyTo(rest);
            return payload;
        }
        rest[0] = (byte)'"';
        int base64Length = (int)body.Base64Length;
        body.EncodeBase64(rest.Slice(1, base64Length));
        Base64BodyEnd.CopyTo(rest[(1 + base64Length)..]);
        return payload;
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

    private static async Task WriteResponseAsync(HttpContext http, IntegrationResponse proxy)
    {
        var response = http.Response;
        response.StatusCode = proxy.StatusCode;
        foreach (var (name, value) in proxy.Headers)
            response.Headers[name] = value;
        foreach (var (name, values) in proxy.MultiValueHeaders)
            response.Headers[name] = new StringValues([.. values]);
        response.ContentLength = proxy.Body.Length;
        await response.BodyWriter.WriteAsync(proxy.Body, http.RequestAborted);
    }

    private Task RejectAsync(HttpContext http, string message) =>
        RejectAsync(http, Responses.Error(ErrorCode.PayloadTooLarge, message), message);

    private async Task RejectAsync(HttpContext http, ApiResponse error, string reason)
    {
        _log.Write("info", "rejected by gateway", ("status", error.StatusCode), ("reason", reason));
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
