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

    /// <summary>
    /// Handles one HTTP request end to end: the key, the body, the event, the invocation, the
    /// answer, and the access log with the gateway's own stages timed apart from the integration's.
    /// </summary>
    public async Task HandleAsync(HttpContext http)
    {
        var stages = new Stages(Stopwatch.GetTimestamp());
        if (!Authorize(http, out var apiKeyId))
        {
            await RejectAsync(http, Responses.Error(ErrorCode.Forbidden, InvalidKeyMessage), "no valid API key");
            return;
        }
        using var body = await ReadBodyAsync(http);
        if (body is null)
            return; // answered: too large or too slow
        stages.Read = Stopwatch.GetTimestamp();
        var requestId = Guid.NewGuid().ToString();
        var eventStart = WriteEventStart(http, requestId, apiKeyId);
        long eventLength = EventLength(eventStart, body);
        if (eventLength > MaxInvocationPayloadBytes)
        {
            await RejectAsync(http, $"The request ({body.Length} bytes, {eventLength} as a Lambda event) exceeds Lambda's {MaxInvocationPayloadBytes} byte payload limit. {UploadHint}");
            return;
        }
        if (await InvokeAsync(http, requestId, eventStart, body, (int)eventLength, stages) is not { } result)
            return; // answered: the integration failed
        if (!await AnswerAsync(http, result))
            return; // answered: the integration's answer was not one
        WriteAccessLog(http, requestId, apiKeyId, body.Length, stages);
    }

    /// <summary>
    /// True when the request may go on: it needs no key, or it carries one of the keys, whose id
    /// <paramref name="apiKeyId"/> then names (null otherwise).
    /// </summary>
    private bool Authorize(HttpContext http, out string? apiKeyId)
    {
        apiKeyId = null;
        if (_keys is null || !_needsKey(http.Request.Method.ToUpperInvariant(), http.Request.Path.HasValue ? http.Request.Path.Value! : "/"))
            return true;
        apiKeyId = _keys.IdOf(http.Request.Headers["x-api-key"].ToString());
        return apiKeyId is not null;
    }

    /// <summary>
    /// Invokes the handler with the event once a concurrency slot is free, and returns its
    /// answer, or null once the client has been answered with the gateway's 502.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>?> InvokeAsync(HttpContext http, string requestId, byte[] eventStart, RequestBody body, int eventLength, Stages stages)
    {
        stages.Waiting = Stopwatch.GetTimestamp();
        await _concurrency.WaitAsync(http.RequestAborted);
        ReadOnlyMemory<byte> result;
        try
        {
            stages.Slot = Stopwatch.GetTimestamp();
            // Built once a slot is free, so waiting requests hold only their bodies.
            var payload = WriteEvent(eventStart, body, eventLength);
            var invocation = new Invocation(requestId, DateTimeOffset.UtcNow + _timeout, null, payload);
            stages.Invoked = Stopwatch.GetTimestamp();
            result = await _handler.HandleAsync(invocation, http.RequestAborted);
            stages.Integrated = Stopwatch.GetTimestamp();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await GatewayErrorAsync(http, e.GetType().Name + ": " + e.Message);
            return null;
        }
        finally
        {
            _concurrency.Release();
        }
        if (result.Length > MaxInvocationPayloadBytes)
        {
            await GatewayErrorAsync(http, "the function's response exceeds Lambda's 6 MB payload limit");
            return null;
        }
        return result;
    }

    /// <summary>Writes the integration's answer as the HTTP response; false once the client has been answered with the gateway's 502 instead.</summary>
    private async Task<bool> AnswerAsync(HttpContext http, ReadOnlyMemory<byte> result)
    {
        IntegrationResponse response;
        try
        {
            response = IntegrationResponse.Parse(result);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            await GatewayErrorAsync(http, "malformed Lambda proxy response: " + e.Message);
            return false;
        }
        using (response)
            await WriteResponseAsync(http, response);
        return true;
    }

    /// <summary>API Gateway's access log of an answered request, with the gateway's own stages timed apart from the integration's.</summary>
    private void WriteAccessLog(HttpContext http, string requestId, string? apiKeyId, long bytesIn, Stages stages) =>
        _log.Write("info", "gateway",
            ("requestId", requestId),
            ("apiKeyId", apiKeyId),
            ("method", http.Request.Method),
            ("path", http.Request.Path.Value),
            ("status", http.Response.StatusCode),
            ("bytesIn", bytesIn),
            ("bytesOut", http.Response.ContentLength),
            ("readMs", stages.ReadMs),
            ("waitMs", stages.WaitMs),
            ("eventMs", stages.EventMs),
            ("integrationMs", stages.IntegrationMs),
            ("responseMs", stages.ResponseMs));

    /// <summary>
    /// The body, or null once the client has been answered: 413 past <see cref="MaxRequestBytes"/>
    /// (however it was framed), 408 when it has not all arrived within the read timeout.
    /// </summary>
    private async Task<RequestBody?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxRequestBytes)
        {
            await RejectAsync(http, $"The request exceeds API Gateway's {MaxRequestBytes} byte limit. {UploadHint}");
            return null;
        }
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

    /// <summary>The length of the event <see cref="WriteEvent"/> writes: its start, and the body's value and the rest.</summary>
    private static long EventLength(byte[] eventStart, RequestBody body) =>
        eventStart.Length + (body.Length == 0 ? NullBodyEnd.Length : 1 + body.Base64Length + Base64BodyEnd.Length);

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

    /// <summary>When a request reached each stage (<see cref="Stopwatch"/> timestamps), and the stages' durations as the access log gives them.</summary>
    private sealed class Stages(long started)
    {
        public long Read { get; set; }
        public long Waiting { get; set; }
        public long Slot { get; set; }
        public long Invoked { get; set; }
        public long Integrated { get; set; }

        /// <summary>Reading the body, from the request's start (its upload included).</summary>
        public double ReadMs => Stopwatch.GetElapsedTime(started, Read).TotalMilliseconds;

        /// <summary>Waiting for a concurrency slot.</summary>
        public double WaitMs => Stopwatch.GetElapsedTime(Waiting, Slot).TotalMilliseconds;

        /// <summary>Writing the event: from the body read to the invocation, less the wait for a slot.</summary>
        public double EventMs => (Stopwatch.GetElapsedTime(Read, Invoked) - Stopwatch.GetElapsedTime(Waiting, Slot)).TotalMilliseconds;

        /// <summary>The handler's invocation.</summary>
        public double IntegrationMs => Stopwatch.GetElapsedTime(Invoked, Integrated).TotalMilliseconds;

        /// <summary>Reading the integration's answer and writing the response, until now.</summary>
        public double ResponseMs => Stopwatch.GetElapsedTime(Integrated).TotalMilliseconds;
    }
}
