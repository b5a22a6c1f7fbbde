using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The API's security surface through HTTP: an API key on every route but /health (two clients'
/// keys, each owning the jobs it creates), safe headers on every answer, logs that hold metadata
/// only, and presigned uploads that expire and pin the key, size and type.
/// </summary>
[Collection("stack")]
public sealed class SecurityTests : IAsyncLifetime
{
    private readonly PipelineStack _stack;
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false });
    private readonly string _apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private readonly string _otherKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    // Every request that reached the API function, in order: its route, status, and the lengths of its body and of the answer's.
    private readonly List<(string Route, int Status, long BytesIn, long? BytesOut)> _sent = [];
    private ChildProcess _api = null!;
    private Uri _url = null!;

    public SecurityTests(PipelineStack stack) => _stack = stack;

    public async Task InitializeAsync() =>
        (_api, _url) = await _stack.StartApiAsync(new Dictionary<string, string> { ["PIPELINE_API_KEY"] = $"client={_apiKey},other={_otherKey}" });

    [Fact]
    public async Task Every_route_but_health_needs_the_api_key()
    {
        var photo = TestImages.Jpeg(320, 240);

        // As API Gateway answers a key-required method: 403 whether the key is missing or wrong.
        using (var missing = await SendAsync(HttpMethod.Post, "", photo, key: null))
            await AssertErrorAsync(missing, HttpStatusCode.Forbidden, "forbidden");
        using (var wrong = await SendAsync(HttpMethod.Post, "", photo, key: _apiKey[..^1] + (_apiKey[^1] == '0' ? "1" : "0")))
            await AssertErrorAsync(wrong, HttpStatusCode.Forbidden, "forbidden");
        // The key is checked before the route's work: an unknown job tells a stranger nothing.
        using (var job = await SendAsync(HttpMethod.Get, "jobs/00000000000000000000000000", null, key: null))
            await AssertErrorAsync(job, HttpStatusCode.Forbidden, "forbidden");
        using (var upload = await SendAsync(HttpMethod.Post, "uploads", """{"contentType":"image/jpeg","contentLength":10}"""u8.ToArray(), key: "nope"))
            await AssertErrorAsync(upload, HttpStatusCode.Forbidden, "forbidden");

        using (var right = await SendAsync(HttpMethod.Post, "", photo, key: _apiKey))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Equal("image/jpeg", right.Content.Headers.ContentType?.MediaType);
            AssertSafeHeaders(right);
            using var gray = PixelAssert.IsGray(await right.Content.ReadAsByteArrayAsync());
            Assert.Equal(new Size(320, 240), gray.Size());
        }
        using (var health = await SendAsync(HttpMethod.Get, "health", null, key: null))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            AssertSafeHeaders(health);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task A_job_is_read_only_with_the_key_that_created_it_and_another_key_gets_404()
    {
        var photo = TestImages.Jpeg(640, 480);
        using var created = await SendAsync(HttpMethod.Post, "uploads", Encoding.UTF8.GetBytes($$"""{"contentType":"image/jpeg","contentLength":{{photo.Length}}}"""), key: _apiKey);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var ticket = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = ticket.RootElement.GetProperty("id").GetString()!;
        var uploadUrl = ticket.RootElement.GetProperty("upload").GetProperty("url").GetString()!;
        // Uploaded under the id of the key, which the gateway passed to the function.
        Assert.Equal($"/{_stack.InputBucket}/uploads/key-client/{id}", new Uri(uploadUrl).AbsolutePath);

        // Before the upload as after the result, the other key is told nothing, not even that the job exists.
        await AssertNoSuchJobAsync(id, _otherKey);
        using (var put = await PresignedPut.SendAsync(_http, uploadUrl, photo, "image/jpeg"))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var resultUrl = await WaitForJobAsync(id);

        Assert.Equal($"/{_stack.OutputBucket}/uploads/key-client/{id}", new Uri(resultUrl).AbsolutePath);
        await AssertNoSuchJobAsync(id, _otherKey);
        using (var result = await SendAsync(HttpMethod.Get, $"jobs/{id}/result", null, key: _apiKey))
        {
            Assert.Equal(HttpStatusCode.SeeOther, result.StatusCode);
            using var gray = PixelAssert.IsGray(await _http.GetByteArrayAsync(result.Headers.Location));
            Assert.Equal(new Size(640, 480), gray.Size());
        }
        // The gateway's access log names the key's id, never the key.
        var lines = await LoggedLinesAsync();
        Assert.Contains(lines, l => l.Contains("\"apiKeyId\":\"other\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(_otherKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_hold_request_metadata_never_image_bytes_keys_or_signatures()
    {
        var photo = TestImages.Jpeg(640, 480);
        using (var inline = await SendAsync(HttpMethod.Post, "", photo, key: _apiKey))
            Assert.Equal(HttpStatusCode.OK, inline.StatusCode);

        // The presigned-upload flow: every answer here carries a signed URL.
        using var created = await SendAsync(HttpMethod.Post, "uploads", Encoding.UTF8.GetBytes($$"""{"contentType":"image/jpeg","contentLength":{{photo.Length}}}"""), key: _apiKey);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var ticket = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = ticket.RootElement.GetProperty("id").GetString()!;
        var uploadUrl = ticket.RootElement.GetProperty("upload").GetProperty("url").GetString()!;
        using (var put = await PresignedPut.SendAsync(_http, uploadUrl, photo, "image/jpeg"))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        string resultUrl = await WaitForJobAsync(id);
        using (var result = await SendAsync(HttpMethod.Get, $"jobs/{id}/result", null, key: _apiKey))
        {
            Assert.Equal(HttpStatusCode.SeeOther, result.StatusCode);
            Assert.Contains("X-Amz-Signature=", result.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        var lines = await LoggedLinesAsync();
        // The function's record of each request, in the order they were sent: what was asked and answered, in numbers.
        var requests = lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.TryGetProperty("msg", out var msg) && msg.GetString() == "request" && l.GetProperty("route").GetString() != "/health")
            .ToList();
        Assert.Equal(_sent.Count, requests.Count);
        foreach (var (request, sent) in requests.Zip(_sent))
        {
            Assert.False(string.IsNullOrEmpty(request.GetProperty("requestId").GetString()));
            Assert.Equal(sent.Route, request.GetProperty("route").GetString());
            Assert.Equal(sent.Status, request.GetProperty("status").GetInt32());
            Assert.Equal(sent.BytesIn, request.GetProperty("bytesIn").GetInt64());
            Assert.Equal(sent.BytesOut, request.GetProperty("bytesOut").GetInt64());
            Assert.True(request.GetProperty("ms").GetDouble() > 0, request.ToString());
        }
        Assert.Equal(("/", photo.Length), (_sent[0].Route, _sent[0].BytesIn));
        Assert.Equal(("/jobs/{id}/result", 303), (_sent[^1].Route, _sent[^1].Status));

        var secrets = new[]
        {
            "X-Amz-Signature", "X-Amz-Credential", Query(uploadUrl)["X-Amz-Signature"], Query(resultUrl)["X-Amz-Signature"], _apiKey,
            Convert.ToBase64String(photo.AsSpan(0, 48)), Convert.ToBase64String(photo.AsSpan(photo.Length / 2, 48)),
        };
        foreach (var secret in secrets)
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
        // The stack's own API has served presigned URLs to other tests: none reached its log either.
        Assert.DoesNotContain(_stack.Api.Lines, l => l.Contains("X-Amz-Signature", StringComparison.OrdinalIgnoreCase) || l.Contains("X-Amz-Credential", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_presigned_upload_expires_after_five_minutes_and_signs_a_server_chosen_key_its_size_and_type()
    {
        // A client cannot pick the key, even if it tries.
        var body = """{"contentType":"image/png","contentLength":12345,"key":"../pipeline-output/evil.png","id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}""";
        using var created = await SendAsync(HttpMethod.Post, "uploads", Encoding.UTF8.GetBytes(body), key: _apiKey);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = json.RootElement.GetProperty("id").GetString()!;
        var upload = json.RootElement.GetProperty("upload");
        var url = new Uri(upload.GetProperty("url").GetString()!);
        var query = Query(url.ToString());

        Assert.NotEqual("01ARZ3NDEKTSV4RRFFQ69G5FAV", id);
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", id);
        Assert.Equal($"/{_stack.InputBucket}/uploads/key-client/{id}", url.AbsolutePath);

        Assert.Equal("300", query["X-Amz-Expires"]);
        var signedAt = DateTimeOffset.ParseExact(query["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(signedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var expiresAt = upload.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange((expiresAt - signedAt).TotalSeconds, 299, 301);

        Assert.Equal("content-length;content-type;host;if-none-match", Uri.UnescapeDataString(query["X-Amz-SignedHeaders"]));
        Assert.Equal("*", upload.GetProperty("headers").GetProperty("If-None-Match").GetString());
        Assert.Equal("12345", upload.GetProperty("headers").GetProperty("Content-Length").GetString());
        Assert.Equal("image/png", upload.GetProperty("headers").GetProperty("Content-Type").GetString());
        // moto does not check signatures, so check it here: S3 would accept exactly this size and type.
        var secret = _stack.Environment["AWS_SECRET_ACCESS_KEY"];
        Assert.Equal(query["X-Amz-Signature"], SigV4.PresignedPutSignature(url, secret, 12345, "image/png"));
        Assert.NotEqual(query["X-Amz-Signature"], SigV4.PresignedPutSignature(url, secret, 12346, "image/png"));
        Assert.NotEqual(query["X-Amz-Signature"], SigV4.PresignedPutSignature(url, secret, 12345, "text/html"));
        // A PUT without If-None-Match (one that could replace the object) does not match the signature.
        Assert.NotEqual(query["X-Amz-Signature"], SigV4.PresignedPutSignature(url, secret, 12345, "image/png", ifNoneMatch: null));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, string? key)
    {
        using var request = new HttpRequestMessage(method, new Uri(_url, path));
        if (body is not null)
            request.Content = new ByteArrayContent(body);
        if (key is not null)
            request.Headers.Add("x-api-key", key);
        var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Forbidden) // only the gateway answers 403 (no valid key): the function never saw it
            _sent.Add((RouteOf(path), (int)response.StatusCode, body?.Length ?? 0, response.Content.Headers.ContentLength));
        return response;
    }

    /// <summary>The route of the API's that <paramref name="path"/> (relative to the API's URL) matches.</summary>
    private static string RouteOf(string path) => path switch
    {
        _ when path.StartsWith("jobs/", StringComparison.Ordinal) => path.EndsWith("/result", StringComparison.Ordinal) ? "/jobs/{id}/result" : "/jobs/{id}",
        _ => "/" + path,
    };

    /// <summary>Polls GET /jobs/{id} until it is done; returns its presigned result URL.</summary>
    private async Task<string> WaitForJobAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var status = await SendAsync(HttpMethod.Get, "jobs/" + id, null, key: _apiKey);
            if (status.StatusCode != HttpStatusCode.Accepted || DateTime.UtcNow > deadline)
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
                using var json = JsonDocument.Parse(await status.Content.ReadAsStringAsync());
                return json.RootElement.GetProperty("resultUrl").GetString()!;
            }
            await Task.Delay(250);
        }
    }

    private async Task AssertNoSuchJobAsync(string id, string key)
    {
        foreach (var path in new[] { "jobs/" + id, $"jobs/{id}/result" })
        {
            using var answer = await SendAsync(HttpMethod.Get, path, null, key);
            await AssertErrorAsync(answer, HttpStatusCode.NotFound, "not_found");
            using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Equal($"No job {id}: it does not exist, or its upload window closed without an upload.", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
    }

    private static void AssertSafeHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("sandbox", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertSafeHeaders(response);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    /// <summary>
    /// The API's output once the gateway has logged every request this test sent that reached
    /// the function: its access-log line of a request is written after the answer, the
    /// function's before. (GET /health, the start-up probe's, is left out.)
    /// </summary>
    private async Task<List<string>> LoggedLinesAsync()
    {
        Assert.DoesNotContain(_sent, s => s.Route == "/health");
        await _api.WaitForLinesAsync(
            l => l.Contains("\"msg\":\"gateway\"", StringComparison.Ordinal) && !l.Contains("\"path\":\"/health\"", StringComparison.Ordinal),
            _sent.Count, TimeSpan.FromSeconds(30));
        return [.. _api.Lines];
    }

    /// <summary>A URL's query parameters, still percent-encoded as signed.</summary>
    private static Dictionary<string, string> Query(string url) =>
        new Uri(url).Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);

    public async Task DisposeAsync()
    {
        await _api.StopAsync();
        _api.Dispose();
        _http.Dispose();
    }

    /// <summary>Recomputes the AWS Signature Version 4 of a presigned S3 PUT, as S3 checks it.</summary>
    private static class SigV4
    {
        public static string PresignedPutSignature(Uri url, string secretKey, long contentLength, string contentType, string? ifNoneMatch = "*")
        {
            var query = Query(url.ToString());
            var canonicalQuery = string.Join('&', query.Where(p => p.Key != "X-Amz-Signature").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            var canonicalRequest = string.Join('\n',
                "PUT",
                url.AbsolutePath,
                canonicalQuery,
                $"content-length:{contentLength.ToString(CultureInfo.InvariantCulture)}",
                $"content-type:{contentType}",
                $"host:{url.Authority}",
                $"if-none-match:{ifNoneMatch}",
                "",
                ifNoneMatch is null ? "content-length;content-type;host" : "content-length;content-type;host;if-none-match",
                "UNSIGNED-PAYLOAD");
            var amzDate = query["X-Amz-Date"];
            var scope = Uri.UnescapeDataString(query["X-Amz-Credential"]).Split('/', 2)[1];
            var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

            var parts = scope.Split('/'); // date/region/service/aws4_request
            var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
            foreach (var part in parts)
                key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
            return Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        }

        private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
    }
}
