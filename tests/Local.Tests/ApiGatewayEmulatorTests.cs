using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Lambda;
using Pipeline.Local;

namespace Pipeline.Tests.Local;

/// <summary>
/// The gateway's two translations, HTTP request → proxy event and proxy response → HTTP
/// response, and its limits, on in-memory requests with a recording handler in place of the
/// API function.
/// </summary>
public sealed class ApiGatewayEmulatorTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(17);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16385)]
    [InlineData(3_000_001)]
    public async Task The_handler_gets_a_REST_event_whose_base64_body_is_the_bytes_sent(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("POST", "/grayscale", bytes, query: "?quality=80&quality=70");
        http.Request.Headers.ContentType = "image/jpeg";
        http.Request.Headers.Accept = "*/*";

        await Gateway(handler).HandleAsync(http);

        var payload = Assert.Single(handler.Payloads);
        var request = ApiGatewayHttp.ReadRequest(payload);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/grayscale", request.Path);
        Assert.Equal("image/jpeg", request.Header("Content-Type"));
        Assert.Equal("*/*", request.Header("Accept"));
        Assert.Equal("70", request.Query["quality"]);
        Assert.Equal(bytes, request.Body.ToArray());
        // The whole array is the event: one JSON object, nothing before or after it, of a REST API
        // (payload format 1.0: no version), naming the client's address as API Gateway does.
        using var document = JsonDocument.Parse(payload);
        Assert.False(document.RootElement.TryGetProperty("version", out _));
        Assert.Equal("POST", document.RootElement.GetProperty("httpMethod").GetString());
        Assert.Equal("127.0.0.1", document.RootElement.GetProperty("requestContext").GetProperty("identity").GetProperty("sourceIp").GetString());
        Assert.Equal(length > 0, document.RootElement.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal(length > 0 ? JsonValueKind.String : JsonValueKind.Null, document.RootElement.GetProperty("body").ValueKind);
        Assert.Equal(["70", "80"], document.RootElement.GetProperty("multiValueQueryStringParameters").GetProperty("quality").EnumerateArray().Select(v => v.GetString()).Order());
        Assert.Equal(200, http.Response.StatusCode);
    }

    [Fact]
    public async Task A_binary_proxy_response_becomes_status_headers_and_decoded_body()
    {
        var image = new byte[100_001];
        new Random(7).NextBytes(image);
        var document = $$"""
            {"statusCode":201,"headers":{"Content-Type":"image/png","X-One":"1"},
             "multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},
             "body":"{{Convert.ToBase64String(image)}}","isBase64Encoded":true}
            """;
        var http = Request("POST", "/", [1, 2, 3]);

        await Gateway(new RecordingHandler(_ => Encoding.UTF8.GetBytes(document))).HandleAsync(http);

        Assert.Equal(201, http.Response.StatusCode);
        Assert.Equal("image/png", http.Response.ContentType);
        Assert.Equal("1", http.Response.Headers["X-One"]);
        Assert.Equal("a=1,b=2", http.Response.Headers.SetCookie.ToString());
        Assert.Equal(image.Length, http.Response.ContentLength);
        Assert.Equal(image, ResponseBody(http));
    }

    [Theory]
    [InlineData("""{"statusCode":400,"headers":{"Content-Type":"application/json"},"body":"{\"error\":\"a\u002Bb\"}","isBase64Encoded":false}""", "{\"error\":\"a+b\"}")]
    [InlineData("""{"isBase64Encoded":true,"statusCode":200,"body":"YSti\u002FGM=","headers":{}}""", "a+b\u00fcc")]
    [InlineData("""{"statusCode":204,"body":null}""", "")]
    [InlineData("""{"statusCode":204}""", "")]
    public async Task Escaped_text_and_escaped_base64_bodies_are_undone_as_API_Gateway_does(string document, string expected)
    {
        var http = Request("POST", "/", [1]);

        await Gateway(new RecordingHandler(_ => Encoding.UTF8.GetBytes(document))).HandleAsync(http);

        Assert.Equal(Encoding.Latin1.GetBytes(expected), ResponseBody(http));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"body":"no status"}""")]
    [InlineData("""{"statusCode":"200"}""")]
    [InlineData("""{"statusCode":200,"body":"@@not base64@@","isBase64Encoded":true}""")]
    [InlineData("""{"statusCode":200,"headers":{"X-Number":1}}""")]
    [InlineData("""{"statusCode":200} {"statusCode":201}""")]
    public async Task A_malformed_proxy_response_is_a_bare_502_as_from_API_Gateway(string document)
    {
        var http = Request("POST", "/", [1]);

        await Gateway(new RecordingHandler(_ => Encoding.UTF8.GetBytes(document))).HandleAsync(http);

        Assert.Equal(502, http.Response.StatusCode);
        Assert.Equal("""{"message":"Internal server error"}""", Encoding.UTF8.GetString(ResponseBody(http)));
    }

    [Fact]
    public async Task A_request_over_Lambdas_payload_limit_as_an_event_is_a_JSON_413_and_never_invoked()
    {
        // 4.8 MB of binary is 6.4 MB of base64: under API Gateway's 10 MB, over Lambda's 6 MB.
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("POST", "/", new byte[4_800_000]);

        await Gateway(handler).HandleAsync(http);

        Assert.Empty(handler.Payloads);
        AssertPayloadTooLarge(http);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_API_Gateways_10_MB_is_a_JSON_413_whether_declared_or_streamed(bool declared)
    {
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("POST", "/", new byte[ApiGatewayEmulator.MaxRequestBytes + 1]);
        if (!declared)
            http.Request.ContentLength = null; // chunked: found out while reading

        await Gateway(handler).HandleAsync(http);

        Assert.Empty(handler.Payloads);
        AssertPayloadTooLarge(http);
        Assert.Equal("close", http.Response.Headers.Connection);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_gets_a_408_after_the_read_timeout_and_the_connection_closes()
    {
        var handler = new RecordingHandler(Reply.Ok);
        var stalled = new Pipe();
        await stalled.Writer.WriteAsync(new byte[10]); // then nothing, and never the end
        var http = Request("POST", "/", []);
        http.Request.Body = stalled.Reader.AsStream();
        http.Request.ContentLength = ApiGatewayEmulator.MaxRequestBytes;
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Gateway(handler).HandleAsync(http);

        Assert.InRange(started.Elapsed, ReadTimeout * 0.9, ReadTimeout * 5);
        Assert.Equal(408, http.Response.StatusCode);
        Assert.Equal("close", http.Response.Headers.Connection);
        Assert.Empty(handler.Payloads);
    }

    [Fact]
    public async Task An_answered_request_is_logged_with_the_gateways_stages_timed_apart_from_the_integrations()
    {
        var log = new MemoryStream();
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("POST", "/grayscale", new byte[1000]);

        await new ApiGatewayEmulator(handler, maxConcurrency: 2, ReadTimeout, Timeout, new JsonLog(log)).HandleAsync(http);

        var line = Assert.Single(Encoding.UTF8.GetString(log.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var record = JsonDocument.Parse(line);
        var fields = record.RootElement;
        Assert.Equal("gateway", fields.GetProperty("msg").GetString());
        Assert.Equal(ApiGatewayHttp.ReadRequest(Assert.Single(handler.Payloads)).RequestId, fields.GetProperty("requestId").GetString());
        Assert.Equal(("POST", "/grayscale", 200), (fields.GetProperty("method").GetString(), fields.GetProperty("path").GetString(), fields.GetProperty("status").GetInt32()));
        Assert.Equal((1000, 2), (fields.GetProperty("bytesIn").GetInt64(), fields.GetProperty("bytesOut").GetInt64()));
        // The stages, by the names the benchmark reads (every field ending in Ms): each a duration,
        // the event's being what is left of its span once the wait for a slot is taken out.
        var stages = fields.EnumerateObject().Where(p => p.Name.EndsWith("Ms", StringComparison.Ordinal)).ToList();
        Assert.Equal(["eventMs", "integrationMs", "readMs", "responseMs", "waitMs"], stages.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(stages, p => Assert.True(p.Value.GetDouble() >= 0, $"{p.Name}: {p.Value}"));
    }

    [Fact]
    public async Task A_failing_handler_is_a_bare_502()
    {
        var http = Request("POST", "/", [1]);

        await Gateway(new RecordingHandler(_ => throw new InvalidOperationException("boom"))).HandleAsync(http);

        Assert.Equal(502, http.Response.StatusCode);
        Assert.DoesNotContain("boom", Encoding.UTF8.GetString(ResponseBody(http)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_several_keys_a_keyed_route_takes_any_of_them_and_the_context_names_its_id_not_the_key()
    {
        const string alice = "alice-key-0123456789", bob = "bob-key-9876543210ab";
        var keys = ApiKeys.Parse($"alice={alice},bob={bob}");
        var handler = new RecordingHandler(Reply.Ok);
        var gateway = new ApiGatewayEmulator(handler, maxConcurrency: 2, ReadTimeout, Timeout, JsonLog.Null, keys, (method, path) => path != "/health");

        var missing = Request("POST", "/uploads", [1]);
        var wrong = Request("POST", "/uploads", [1]);
        wrong.Request.Headers["x-api-key"] = alice[..^1];
        var asAlice = Request("POST", "/uploads", [1]);
        asAlice.Request.Headers["x-api-key"] = alice;
        var asBob = Request("GET", "/jobs/x", []);
        asBob.Request.Headers["X-API-Key"] = bob;
        var keyless = Request("GET", "/health", []);
        keyless.Request.Headers["x-api-key"] = bob; // a key on a keyless route is not passed on, as API Gateway does
        foreach (var http in new[] { missing, wrong, asAlice, asBob, keyless })
            await gateway.HandleAsync(http);

        // API Gateway's answer to a missing or wrong key (template.yaml's INVALID_API_KEY), before the function runs.
        foreach (var refused in new[] { missing, wrong })
        {
            Assert.Equal(403, refused.Response.StatusCode);
            using var error = JsonDocument.Parse(ResponseBody(refused));
            Assert.Equal("forbidden", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        Assert.Equal(3, handler.Payloads.Count);
        Assert.Equal(["alice", "bob", null], handler.Payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("requestContext").GetProperty("identity") is var identity
            && identity.TryGetProperty("apiKeyId", out var id) ? id.GetString() : null));
        Assert.Equal("key-alice", ApiGatewayHttp.ReadRequest(handler.Payloads[0]).Caller);
        // The key stays in the headers, as API Gateway passes them; the context names its id only.
        Assert.All(handler.Payloads, p => Assert.DoesNotContain("-key-", JsonDocument.Parse(p).RootElement.GetProperty("requestContext").GetRawText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_keys_nothing_is_checked_and_no_key_id_is_passed()
    {
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("POST", "/uploads", [1]);

        await Gateway(handler).HandleAsync(http);

        Assert.Equal(200, http.Response.StatusCode);
        Assert.Null(ApiGatewayHttp.ReadRequest(Assert.Single(handler.Payloads)).Caller);
    }

    [Theory]
    [InlineData("a-single-key-of-20ch", "local")]
    [InlineData("alice=alice-key-0123456789, bob=bob-key-9876543210ab", "alice,bob")]
    [InlineData("ci-runner-1=abcdefghijklmnop==", "ci-runner-1")]
    public void Keys_are_one_key_or_id_equals_key_entries(string setting, string ids)
    {
        Assert.Equal(ids.Split(','), ApiKeys.Parse(setting)!.Ids);
    }

    [Theory]
    [InlineData("short", "at least 16 characters")]
    [InlineData("fifteen-chars!!", "at least 16 characters")]
    [InlineData("alice=alice-key-0123456789,bob=short", "the key of bob must be at least 16 characters")]
    [InlineData("alice-key-0123456789,bob-key-9876543210ab", "id=key entries")]
    [InlineData("a/b=alice-key-0123456789", "id=key entries")]
    [InlineData("alice=alice-key-0123456789,alice=bob-key-9876543210ab", "the id alice is given twice")]
    [InlineData("alice=alice-key-0123456789,bob=alice-key-0123456789", "the key of bob is another id's key too")]
    public void A_weak_or_ambiguous_key_setting_is_refused_at_start_naming_the_setting(string setting, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ApiKeys.FromEnvironment(name => name == "PIPELINE_API_KEY" ? setting : null));

        Assert.StartsWith("PIPELINE_API_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_key_setting_means_no_keys()
    {
        Assert.Null(ApiKeys.FromEnvironment(name => name == "PIPELINE_API_KEY" ? "" : null));
        Assert.Null(ApiKeys.FromEnvironment(_ => null));
    }

    private static ApiGatewayEmulator Gateway(IInvocationHandler handler) => new(handler, maxConcurrency: 2, ReadTimeout, Timeout, JsonLog.Null);

    private static DefaultHttpContext Request(string method, string path, byte[] body, string query = "")
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Response.Body = new MemoryStream();
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        return http;
    }

    private static byte[] ResponseBody(HttpContext http) => ((MemoryStream)http.Response.Body).ToArray();

    private static void AssertPayloadTooLarge(HttpContext http)
    {
        Assert.Equal(413, http.Response.StatusCode);
        Assert.Equal("application/json", http.Response.ContentType);
        using var error = JsonDocument.Parse(ResponseBody(http));
        Assert.Equal("payload_too_large", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("POST /uploads", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_invocations_deadline_is_the_functions_timeout_after_the_request()
    {
        var handler = new RecordingHandler(Reply.Ok);
        var http = Request("GET", "/health", []);

        var before = DateTimeOffset.UtcNow;
        await Gateway(handler).HandleAsync(http);
        var after = DateTimeOffset.UtcNow;

        var deadline = Assert.Single(handler.Deadlines);
        Assert.InRange(deadline, before + Timeout, after + Timeout);
    }

    /// <summary>Canned proxy responses.</summary>
    private static class Reply
    {
        public static byte[] Ok(Invocation invocation) => """{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"ok","isBase64Encoded":false}"""u8.ToArray();
    }

    /// <summary>Keeps every event it is given and answers with <paramref name="answer"/>.</summary>
    private sealed class RecordingHandler(Func<Invocation, byte[]> answer) : IInvocationHandler
    {
        public List<byte[]> Payloads { get; } = [];

        public List<DateTimeOffset> Deadlines { get; } = [];

        public Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
        {
            Payloads.Add(invocation.Payload);
            Deadlines.Add(invocation.Deadline);
            return Task.FromResult<ReadOnlyMemory<byte>>(answer(invocation));
        }
    }
}
