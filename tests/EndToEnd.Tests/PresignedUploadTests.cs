using System.Net;
using System.Text;
using System.Text.Json;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>An app with a big photo: POST /uploads, PUT to the presigned URL, poll the job, fetch the result.</summary>
[Collection("stack")]
public sealed class PresignedUploadTests : IDisposable
{
    private readonly PipelineStack _stack;
    private readonly TempDirectory _dir = new("upload-");

    public PresignedUploadTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public async Task Upload_poll_and_download_with_curl()
    {
        // Larger than POST / accepts inline: the reason this flow exists.
        var photo = TestImages.NoisyJpeg(2400, 1800);
        Assert.True(photo.Length > 4 * 1024 * 1024, $"test photo is only {photo.Length} bytes");
        var photoPath = Path.Combine(_dir.Path, "big.jpg");
        await File.WriteAllBytesAsync(photoPath, photo);

        using var created = await CurlJsonAsync("-X", "POST", "-H", "Content-Type: application/json",
            "--data", $$"""{"contentType":"image/jpeg","contentLength":{{photo.Length}}}""", Url("uploads"));
        Assert.Equal(201, created.Status);
        var root = created.Json.RootElement;
        var id = root.GetProperty("id").GetString()!;
        var upload = root.GetProperty("upload");
        Assert.Equal("PUT", upload.GetProperty("method").GetString());
        var url = upload.GetProperty("url").GetString()!;
        Assert.StartsWith(_stack.Endpoint + "/", url, StringComparison.Ordinal); // the endpoint's own scheme: http locally
        Assert.Contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match", url, StringComparison.Ordinal);
        Assert.Equal("/jobs/" + id, root.GetProperty("status").GetString());
        Assert.True(upload.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        using (var pending = await CurlJsonAsync(Url("jobs/" + id)))
        {
            Assert.Equal(202, pending.Status);
            Assert.Equal("pending", pending.Json.RootElement.GetProperty("status").GetString());
        }

        var headers = upload.GetProperty("headers").EnumerateObject().SelectMany(h => new[] { "-H", $"{h.Name}: {h.Value.GetString()}" });
        var put = await Tools.RunAsync("curl", ["-sS", "-X", "PUT", "-T", photoPath, .. headers, url, "-o", "/dev/null", "-w", "%{http_code}"]);
        Assert.Equal("200", put.Stdout);

        using (var status = await WaitWhilePendingAsync(id))
        {
            Assert.Equal(200, status.Status);
            Assert.Equal("done", status.Json.RootElement.GetProperty("status").GetString());
            Assert.StartsWith(_stack.Endpoint + "/", status.Json.RootElement.GetProperty("resultUrl").GetString(), StringComparison.Ordinal);
        }

        var download = await Tools.RunAsync("curl", ["-sS", "-L", Url($"jobs/{id}/result"), "-o", "result.jpg", "-w", "%{http_code} %{num_redirects}"], workingDirectory: _dir.Path);
        Assert.Equal("200 1", download.Stdout);
        using var gray = PixelAssert.IsGray(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "result.jpg")));
        Assert.Equal(new Size(2400, 1800), gray.Size());
        // Noise is JPEG's worst case: re-encoding at quality 90 moves it further than a photo
        // (a different picture would be ~85 away on average).
        PixelAssert.LumaMatches(photo, gray, maxMeanError: 5);
    }

    [Fact]
    public async Task An_upload_that_is_not_an_image_ends_as_a_failed_job()
    {
        var text = Encoding.UTF8.GetBytes("definitely not a PNG");
        using var created = await CurlJsonAsync("-X", "POST", "--data", $$"""{"contentType":"image/png","contentLength":{{text.Length}}}""", Url("uploads"));
        var id = created.Json.RootElement.GetProperty("id").GetString()!;
        var url = created.Json.RootElement.GetProperty("upload").GetProperty("url").GetString()!;
        using (var http = new HttpClient())
        using (var put = await PresignedPut.SendAsync(http, url, text, "image/png"))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using (var status = await WaitWhilePendingAsync(id))
        {
            Assert.Equal(422, status.Status);
            Assert.Equal("failed", status.Json.RootElement.GetProperty("status").GetString());
            Assert.Equal("unsupported_media_type", status.Json.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        using var result = await CurlJsonAsync(Url($"jobs/{id}/result"));
        Assert.Equal(422, result.Status);
    }

    [Fact]
    public async Task An_upload_url_works_once()
    {
        var first = TestImages.Jpeg(64, 48);
        using var created = await CurlJsonAsync("-X", "POST", "--data", $$"""{"contentType":"image/jpeg","contentLength":{{first.Length}}}""", Url("uploads"));
        var id = created.Json.RootElement.GetProperty("id").GetString()!;
        var url = created.Json.RootElement.GetProperty("upload").GetProperty("url").GetString()!;
        using var http = new HttpClient();
        using (var put = await PresignedPut.SendAsync(http, url, first, "image/jpeg"))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        // The same URL again, with a body of the same signed size: S3 refuses to replace the upload.
        var second = first.ToArray();
        second[^3] ^= 0xFF;
        using (var replay = await PresignedPut.SendAsync(http, url, second, "image/jpeg"))
            Assert.Equal(HttpStatusCode.PreconditionFailed, replay.StatusCode);

        var (stored, _) = await _stack.GetAsync(_stack.InputBucket, "uploads/" + id);
        Assert.Equal(first, stored);
    }

    [Theory]
    [InlineData("""{"contentType":"image/jpeg","contentLength":999999999}""", 413, "payload_too_large")]
    [InlineData("""{"contentType":"text/html","contentLength":10}""", 415, "unsupported_media_type")]
    [InlineData("""{"contentType":"image/jpeg"}""", 400, "invalid_request")]
    [InlineData("""{"contentType":"image/jpeg","contentLength":0}""", 400, "invalid_request")]
    [InlineData("not json", 400, "invalid_request")]
    public async Task Bad_upload_requests_are_refused_with_json(string body, int status, string code)
    {
        using var response = await CurlJsonAsync("-X", "POST", "--data", body, Url("uploads"));
        Assert.Equal(status, response.Status);
        Assert.Equal(code, response.Json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("not-a-job-id")]
    [InlineData("00000000000000000000000000")] // well-formed, issued in 1970: its upload window closed long ago
    [InlineData("7ZZZZZZZZZ0000000000000000")] // well-formed, "issued" thousands of years from now: never by us
    public async Task Unknown_jobs_are_404(string id)
    {
        using var response = await CurlJsonAsync(Url("jobs/" + id));
        Assert.Equal(404, response.Status);
        Assert.Equal("not_found", response.Json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    /// <summary>Polls GET /jobs/{id} while it answers 202 (at most a minute); returns the first other answer.</summary>
    private async Task<JsonDocumentAndStatus> WaitWhilePendingAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await CurlJsonAsync(Url("jobs/" + id));
            if (status.Status != 202 || DateTime.UtcNow > deadline)
                return status;
            status.Dispose();
            await Task.Delay(250);
        }
    }

    private string Url(string path) => new Uri(_stack.ApiUrl, path).ToString();

    private sealed record JsonDocumentAndStatus(int Status, JsonDocument Json) : IDisposable
    {
        public void Dispose() => Json.Dispose();
    }

    private async Task<JsonDocumentAndStatus> CurlJsonAsync(params string[] arguments)
    {
        var bodyPath = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".json");
        var result = await Tools.RunAsync("curl", ["-sS", .. arguments, "-o", bodyPath, "-w", "%{http_code}"]);
        Assert.Equal(0, result.ExitCode);
        return new JsonDocumentAndStatus(int.Parse(result.Stdout, System.Globalization.CultureInfo.InvariantCulture), JsonDocument.Parse(await File.ReadAllBytesAsync(bodyPath)));
    }

    public void Dispose() => _dir.Dispose();
}
