using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Api.Gateway;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Lambda;
using Pipeline.Jobs;

namespace Pipeline.Tests;

/// <summary>CORS, links under the caller's stage, storage outages, logged routes and encoder limits.</summary>
public class ApiEdgeCaseTests
{
    private static readonly ImagingLimits Limits = DefaultLimits.Imaging;

    public ApiEdgeCaseTests() => OpenCvRuntime.Initialize(Limits);

    private static ApiFunction Function(ApiOptions? options = null, JobStore? jobs = null, JsonLog? log = null) =>
        new(options ?? new ApiOptions(), Converters.Default, jobs ?? UnreachableStorage.Store(), log ?? JsonLog.Null);

    private static async Task<ApiReply> Handle(JsonObject e, ApiFunction function)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        return ApiReply.Parse(await function.HandleAsync(invocation, CancellationToken.None), e.IsHttpV2());
    }

    [Fact]
    public async Task A_preflight_is_answered_and_every_answer_names_the_allowed_origin()
    {
        var function = Function(new ApiOptions { AllowedOrigin = "https://app.example" });

        var preflight = await Handle(ApiEvents.RestV1("OPTIONS", "/uploads").WithHeader("Origin", "https://app.example"), function);
        var refused = await Handle(ApiEvents.RestV1("POST", "/").WithTextBody("not an image"), function);

        Assert.Equal(204, preflight.StatusCode);
        Assert.Equal("POST, OPTIONS", preflight.Header("Access-Control-Allow-Methods"));
        Assert.Contains("X-Api-Key", preflight.Header("Access-Control-Allow-Headers"), StringComparison.Ordinal);
        Assert.Equal("https://app.example", preflight.Header("Access-Control-Allow-Origin"));
        refused.Error(415, "unsupported_media_type");
        Assert.Equal("https://app.example", refused.Header("Access-Control-Allow-Origin"));
        Assert.Equal("Origin", refused.Header("Vary"));
    }

    [Fact]
    public async Task A_cross_origin_page_may_read_every_header_a_conversion_answers_with()
    {
        var function = Function(new ApiOptions { AllowedOrigin = "https://app.example" });

        var converted = await Handle(ApiEvents.RestV1("POST", "/").WithBody(TestImages.Png(40, 30)).WithHeader("Origin", "https://app.example"), function);

        Assert.Equal(200, converted.StatusCode);
        var exposed = converted.Header("Access-Control-Expose-Headers")!.Split(", ");
        var own = converted.Headers.Keys.Where(h => h.StartsWith("X-Image-", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains("X-Image-Input-Format", own, StringComparer.OrdinalIgnoreCase);
        foreach (var header in own)
            Assert.Contains(header, exposed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_an_allowed_origin_a_preflight_is_answered_as_the_gateway_answers_it_naming_no_origin()
    {
        var preflight = await Handle(ApiEvents.RestV1("OPTIONS", "/uploads").WithHeader("Origin", "https://app.example"), Function());
        var health = await Handle(ApiEvents.RestV1("GET", "/health").WithHeader("Origin", "https://app.example"), Function());

        // 204 like API Gateway's mock (which answers every preflight without invoking the
        // function); with no Access-Control-Allow-Origin the browser refuses the request itself.
        Assert.Equal(204, preflight.StatusCode);
        Assert.Equal("POST, OPTIONS", preflight.Header("Access-Control-Allow-Methods"));
        Assert.Null(preflight.Header("Access-Control-Allow-Origin"));
        Assert.Equal(200, health.StatusCode);
        Assert.DoesNotContain(health.Headers.Keys, h => h.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    public static TheoryData<string> OtherServicesEvents => [Fixtures.SqsMessage, Fixtures.S3PutNotification, Fixtures.WebSocketConnect, "{}"];

    [Theory]
    [MemberData(nameof(OtherServicesEvents))]
    public async Task An_event_that_is_not_an_http_request_fails_the_invocation_instead_of_getting_the_page(string fixture)
    {
        var payload = fixture == "{}" ? "{}"u8.ToArray() : Fixtures.Bytes(fixture);
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, payload);

        var error = await Assert.ThrowsAsync<UnsupportedEventException>(() => Function().HandleAsync(invocation, CancellationToken.None));

        Assert.Contains("Not an API Gateway request", error.Message, StringComparison.Ordinal);
        Assert.Contains("worker", error.Message, StringComparison.Ordinal);
        // Named by its fields, never by their values (an SQS body, a key, a connection id).
        if (fixture != "{}")
        {
            using var json = JsonDocument.Parse(payload);
            Assert.Contains(json.RootElement.EnumerateObject().First().Name, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("pipeline-input", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("CcK2fcvRIAMCJDQ=", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_pending_result_is_409_naming_the_status_path_under_the_stage_the_client_called()
    {
        using var storage = new EmptyStorage();
        var id = JobId.New(DateTimeOffset.UtcNow).Value;

        var reply = await Handle(ApiEvents.RestV1("GET", $"/jobs/{id}/result"), Function(jobs: storage.Store));

        Assert.Contains($"poll /Prod/jobs/{id}.", reply.Error(409, "not_ready"), StringComparison.Ordinal);
        Assert.Equal("1", reply.Header("Retry-After"));
    }

    [Theory]
    [InlineData("rest", "/Prod/jobs/")]
    [InlineData("http-named-stage", "/beta/jobs/")]
    [InlineData("http-default-stage", "/jobs/")]
    public async Task Upload_links_point_under_the_stage_the_client_called(string shape, string expectedPrefix)
    {
        var e = shape switch
        {
            "rest" => ApiEvents.RestV1("POST", "/uploads"),
            "http-named-stage" => ApiEvents.HttpV2("POST", "/uploads", stage: "beta"),
            _ => ApiEvents.HttpV2("POST", "/uploads"),
        };
        if (shape == "rest")
            e["requestContext"]!["path"] = "/Prod/uploads"; // as API Gateway sends it for an execute-api URL

        var reply = await Handle(e.WithTextBody("""{"contentType":"image/jpeg","contentLength":1000}"""), Function(jobs: UnreachableStorage.Store()));

        Assert.Equal(201, reply.StatusCode);
        using var json = JsonDocument.Parse(reply.Body);
        var status = json.RootElement.GetProperty("status").GetString()!;
        Assert.StartsWith(expectedPrefix, status, StringComparison.Ordinal);
        Assert.Equal(status, reply.Header("Location"));
    }

    [Theory]
    [InlineData("/jobs/01M87PSNJMVVCASEK8KQX0Y3A5")]
    [InlineData("/jobs/01M87PSNJMVVCASEK8KQX0Y3A5/result")]
    public async Task Unreachable_storage_is_a_503_json_answer_logged_with_its_route(string path)
    {
        var lines = new MemoryStream();
        var reply = await Handle(ApiEvents.RestV1("GET", path), Function(jobs: UnreachableStorage.Store(), log: new JsonLog(lines)));

        reply.Error(503, "unavailable");
        var request = Encoding.UTF8.GetString(lines.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.GetProperty("msg").GetString() == "request");
        Assert.Equal(path.EndsWith("/result", StringComparison.Ordinal) ? "/jobs/{id}/result" : "/jobs/{id}", request.GetProperty("route").GetString());
        Assert.Equal(503, request.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Errors_thrown_inside_a_route_are_logged_with_that_route()
    {
        var lines = new MemoryStream();
        var reply = await Handle(ApiEvents.RestV1("POST", "/grayscale").WithTextBody("not an image"), Function(log: new JsonLog(lines)));

        reply.Error(415, "unsupported_media_type");
        Assert.Contains("\"route\":\"/grayscale\"", Encoding.UTF8.GetString(lines.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_format_that_cannot_hold_the_image_is_a_400_not_a_500()
    {
        var wide = TestImages.Jpeg(17000, 16);

        var reply = await Handle(ApiEvents.RestV1("POST", "/").WithBody(wide).WithQuery("format", "webp"), Function());

        Assert.Contains("16383", reply.Error(400, "invalid_request"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_limit_whose_base64_cannot_reach_the_function_is_refused_at_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ApiOptions.FromEnvironment(name => name == "PIPELINE_MAX_INLINE_BYTES" ? "6000000" : null));
        Assert.Contains("PIPELINE_MAX_INLINE_BYTES", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ApiOptions.FromEnvironment(name => name == "PIPELINE_MAX_INLINE_BYTES" ? "4294967297" : null));
        Assert.Equal(4 * 1024 * 1024, ApiOptions.FromEnvironment(_ => null).MaxInlineBytes);
    }

    [Theory]
    [InlineData("jpeg", null, "?quality=75")]
    [InlineData("png", "png", "?format=jpeg")]
    public async Task A_result_too_large_to_return_inline_gets_advice_that_works_for_that_image(string input, string? format, string advice)
    {
        var photo = input == "png" ? TestImages.Encode(TestImages.ColourMat(400, 300, seed: 3), ".png") : TestImages.NoisyJpeg(400, 300);
        var converter = new GrayscaleConverter(Limits);
        var info = converter.Inspect(photo);
        int asAsked = converter.Convert(photo, info, info.Format, GrayscaleConverter.DefaultQuality).Bytes.Length;
        int advised = converter.Convert(photo, info, ImageFormat.Jpeg, input == "png" ? GrayscaleConverter.DefaultQuality : 75).Bytes.Length;
        Assert.True(advised < asAsked, $"{advised} vs {asAsked}");
        var function = Function(new ApiOptions { MaxInlineResultBytes = (asAsked + advised) / 2 });
        var request = ApiEvents.RestV1("POST", "/").WithBody(photo);
        if (format is not null)
            request = request.WithQuery("format", format);

        var message = (await Handle(request, function)).Error(413, "payload_too_large");

        Assert.Contains(advice, message, StringComparison.Ordinal);
        Assert.Contains("POST /uploads", message, StringComparison.Ordinal);
        var (name, value) = advice.TrimStart('?').Split('=') is [var n, var v] ? (n, v) : throw new InvalidOperationException(advice);
        var followed = await Handle(ApiEvents.RestV1("POST", "/").WithBody(photo).WithQuery(name, value), function);
        Assert.Equal(200, followed.StatusCode);
    }

    [Fact]
    public async Task The_advice_for_a_jpeg_asked_as_png_quotes_the_lossless_jpeg_that_following_it_returns()
    {
        var photo = TestImages.NoisyJpeg(400, 300);
        var converter = new GrayscaleConverter(Limits);
        var info = converter.Inspect(photo);
        int png = converter.Convert(photo, info, ImageFormat.Png).Bytes.Length;
        var keptLuma = converter.Convert(photo, info, ImageFormat.Jpeg); // no quality named: the luma as it is
        int reencoded = converter.Convert(photo, info, ImageFormat.Jpeg, GrayscaleConverter.DefaultQuality).Bytes.Length;
        Assert.True(keptLuma.Lossless);
        Assert.True(keptLuma.Bytes.Length < png, $"{keptLuma.Bytes.Length} vs {png}");
        Assert.NotEqual(reencoded, keptLuma.Bytes.Length); // so quoting the re-encode would show
        var function = Function(new ApiOptions { MaxInlineResultBytes = (keptLuma.Bytes.Length + png) / 2 });

        var message = (await Handle(ApiEvents.RestV1("POST", "/").WithBody(photo).WithQuery("format", "png"), function)).Error(413, "payload_too_large");

        Assert.Contains($"With ?format=jpeg it is {keptLuma.Bytes.Length} bytes and fits", message, StringComparison.Ordinal);
        var followed = await Handle(ApiEvents.RestV1("POST", "/").WithBody(photo).WithQuery("format", "jpeg"), function);
        Assert.Equal(keptLuma.Bytes, followed.Image("image/jpeg"));
    }

    [Fact]
    public async Task When_no_smaller_result_fits_only_the_upload_flow_is_advised()
    {
        var function = Function(new ApiOptions { MaxInlineResultBytes = 64 });

        var message = (await Handle(ApiEvents.RestV1("POST", "/").WithBody(TestImages.NoisyJpeg(200, 150)), function)).Error(413, "payload_too_large");

        Assert.DoesNotContain("?", message, StringComparison.Ordinal);
        Assert.Contains("POST /uploads", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_and_inline_images_are_counted_in_embedded_metrics()
    {
        var log = new MemoryStream();
        var function = new ApiFunction(new ApiOptions(), Converters.Default, UnreachableStorage.Store(), JsonLog.Null, TimeProvider.System, new EmbeddedMetrics(new JsonLog(log), "api"));

        (await Handle(ApiEvents.RestV1("POST", "/").WithBody(TestImages.Jpeg(100, 50)), function)).Image("image/jpeg");
        (await Handle(ApiEvents.RestV1("POST", "/").WithTextBody("not an image"), function)).Error(415, "unsupported_media_type");

        var records = MetricRecords.Parse(log.ToArray());
        Assert.All(records, r => Assert.Equal("api", r.DimensionValues["Function"]));
        var converted = Assert.Single(records, r => r.Values.ContainsKey("ImagesConverted"));
        Assert.Equal(0.005, converted.Values["MegapixelsIn"]);
        Assert.Equal("unsupported_media_type", Assert.Single(records, r => r.Values.ContainsKey("ImagesFailed")).DimensionValues["Code"]);
        var requests = records.Where(r => r.Values.ContainsKey("Requests")).Select(r => r.DimensionValues["StatusClass"]).Order().ToList();
        Assert.Equal(["2xx", "4xx"], requests);
    }
}
