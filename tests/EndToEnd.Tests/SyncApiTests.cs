using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>The synchronous API through real HTTP clients: the tutorial's curl command and HttpClient.</summary>
[Collection("stack")]
public sealed class SyncApiTests : IDisposable
{
    private readonly PipelineStack _stack;
    private readonly HttpClient _http = new();
    private readonly TempDirectory _dir = new("sync-api-");

    public SyncApiTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public async Task The_tutorials_curl_command_returns_a_grayscale_jpeg_of_the_same_size()
    {
        var kitty = TestImages.Jpeg(1024, 768);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "kitty.jpg"), kitty);

        var curl = await Tools.RunAsync("curl", ["-sS", "-X", "POST", "--data-binary", "@kitty.jpg", _stack.ApiUrl.ToString(), "-o", "kitty_bw.jpg", "-w", "%{http_code} %{content_type}"], workingDirectory: _dir.Path);

        Assert.Equal(0, curl.ExitCode);
        Assert.Equal("200 image/jpeg", curl.Stdout);
        var output = await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "kitty_bw.jpg"));
        using var gray = PixelAssert.IsGray(output);
        Assert.Equal(new Size(1024, 768), gray.Size());
        PixelAssert.LumaMatches(kitty, gray);
    }

    [Fact]
    public async Task HttpClient_gets_png_back_for_a_png_and_webp_when_it_asks()
    {
        using var png = new ByteArrayContent(TestImages.Png(320, 200));
        using var pngResponse = await _http.PostAsync(new Uri(_stack.ApiUrl, "grayscale"), png);
        Assert.Equal(HttpStatusCode.OK, pngResponse.StatusCode);
        Assert.Equal("image/png", pngResponse.Content.Headers.ContentType?.MediaType);
        using (var gray = PixelAssert.IsGray(await pngResponse.Content.ReadAsByteArrayAsync()))
            Assert.Equal(new Size(320, 200), gray.Size());

        using var request = new HttpRequestMessage(HttpMethod.Post, _stack.ApiUrl) { Content = new ByteArrayContent(TestImages.Jpeg(320, 200)) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/webp"));
        using var webpResponse = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, webpResponse.StatusCode);
        Assert.Equal("image/webp", webpResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", webpResponse.Headers.GetValues("X-Content-Type-Options").Single());
        using (var gray = PixelAssert.IsGray(await webpResponse.Content.ReadAsByteArrayAsync(), tolerance: 1))
            Assert.Equal(new Size(320, 200), gray.Size());
    }

    [Theory]
    [InlineData("truncated", 422, "corrupt_image")]
    [InlineData("text", 415, "unsupported_media_type")]
    [InlineData("five-megabytes", 413, "payload_too_large")]
    [InlineData("eleven-megabytes", 413, "payload_too_large")]
    [InlineData("empty", 400, "empty_body")]
    public async Task Bad_bodies_get_a_json_error_never_a_5xx(string kind, int status, string code)
    {
        var jpeg = TestImages.Jpeg(1024, 768);
        byte[] body = kind switch
        {
            "truncated" => jpeg[..(jpeg.Length / 2)],
            "text" => "this is not an image"u8.ToArray(),
            "five-megabytes" => new byte[5 * 1024 * 1024],
            "eleven-megabytes" => new byte[11 * 1024 * 1024],
            _ => [],
        };
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "body.bin"), body);

        var curl = await Tools.RunAsync("curl", ["-sS", "-X", "POST", "--data-binary", "@body.bin", _stack.ApiUrl.ToString(), "-o", "response.json", "-w", "%{http_code} %{content_type}"], workingDirectory: _dir.Path);

        Assert.Equal(0, curl.ExitCode);
        Assert.Equal($"{status} application/json", curl.Stdout);
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "response.json")));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (status == 413)
            Assert.Contains("POST /uploads", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }
}
