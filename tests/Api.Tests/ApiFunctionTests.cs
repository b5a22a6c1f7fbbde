using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;
using Pipeline.Api.Gateway;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Lambda;

namespace Pipeline.Tests;

public class ApiFunctionTests
{
    private static readonly ImagingLimits Limits = DefaultLimits.Imaging;

    public ApiFunctionTests() => OpenCvRuntime.Initialize(Limits);

    public static TheoryData<string> BinaryPosts => [Fixtures.RestV1PostBinary, Fixtures.HttpV2PostBinary];

    private static ApiFunction Function(ApiOptions? options = null) =>
        new(options ?? new ApiOptions(), Converters.Default, UnreachableStorage.Store(), JsonLog.Null);

    /// <summary>Runs the event through <see cref="ApiFunction.HandleAsync"/> as the Lambda loop would.</summary>
    private static async Task<ApiReply> Handle(byte[] payload, bool httpV2, ApiFunction? function = null)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, payload);
        var document = await (function ?? Function()).HandleAsync(invocation, CancellationToken.None);
        return ApiReply.Parse(document, httpV2);
    }

    private static Task<ApiReply> Handle(JsonObject e, ApiFunction? function = null) =>
        Handle(e.ToPayload(), e.IsHttpV2(), function);

    /// <summary>The fixture with its body replaced by <paramref name="image"/>.</summary>
    private static JsonObject Post(string fixture, byte[] image) => Fixtures.Load(fixture).WithBody(image);

    public static TheoryData<string, string, string> DefaultFormats()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var fixture in new[] { Fixtures.RestV1PostBinary, Fixtures.HttpV2PostBinary })
        {
            data.Add(fixture, "jpeg", "image/jpeg");
            data.Add(fixture, "bmp", "image/bmp");
            data.Add(fixture, "tiff", "image/tiff");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DefaultFormats))]
    public async Task A_colour_image_becomes_gray_luma_of_the_same_size_in_its_default_format(string fixture, string kind, string mediaType)
    {
        var input = kind switch
        {
            "jpeg" => TestImages.Jpeg(160, 120),
            "bmp" => TestImages.Bmp(160, 120),
            _ => TestImages.Tiff(160, 120),
        };

        var reply = await Handle(Post(fixture, input));

        using var gray = PixelAssert.IsGray(reply.Image(mediaType));
        Assert.Equal(new Size(160, 120), gray.Size());
        PixelAssert.LumaMatches(input, gray);
        Assert.Equal("160", reply.Header("X-Image-Width"));
        Assert.Equal("120", reply.Header("X-Image-Height"));
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task The_fixtures_own_body_is_converted(string fixture)
    {
        var input = Fixtures.Load(fixture).DecodedBody();

        var reply = await Handle(Fixtures.Bytes(fixture), httpV2: fixture == Fixtures.HttpV2PostBinary);

        using var gray = PixelAssert.IsGray(reply.Image("image/jpeg"));
        PixelAssert.LumaMatches(input, gray);
    }

    [Fact]
    public async Task An_http_api_named_stage_reaches_the_grayscale_route()
    {
        var input = Fixtures.Load(Fixtures.HttpV2NamedStage).DecodedBody();

        // POST /prod/grayscale?format=png through stage "prod".
        var reply = await Handle(Fixtures.Bytes(Fixtures.HttpV2NamedStage), httpV2: true);

        using var gray = PixelAssert.IsGray(reply.Image("image/png"));
        PixelAssert.LumaMatches(input, gray);
    }

    public static TheoryData<string, string, string, string> FormatRequests()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var fixture in new[] { Fixtures.RestV1PostBinary, Fixtures.HttpV2PostBinary })
        {
            data.Add(fixture, "query", "png", "image/png");
            data.Add(fixture, "query", "webp", "image/webp");
            data.Add(fixture, "accept", "image/webp", "image/webp");
            data.Add(fixture, "accept", "image/png;q=0.8, image/jpeg;q=0.5", "image/png");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FormatRequests))]
    public async Task The_output_format_follows_the_format_query_or_the_accept_header(string fixture, string by, string value, string mediaType)
    {
        var input = TestImages.Jpeg(160, 120);
        var e = Post(fixture, input);

        var reply = await Handle(by == "query" ? e.WithQuery("format", value) : e.WithHeader("Accept", value));

        var output = reply.Image(mediaType);
        Assert.Equal(mediaType, ImageInspector.Inspect(output).Format.MediaType());
        using var gray = PixelAssert.IsGray(output, tolerance: mediaType == "image/webp" ? 1 : 0);
        PixelAssert.LumaMatches(input, gray);
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task An_accept_header_naming_no_producible_format_is_406(string fixture)
    {
        var reply = await Handle(Post(fixture, TestImages.Jpeg()).WithHeader("Accept", "text/html"));

        reply.Error(406, "not_acceptable");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_lower_quality_makes_a_smaller_jpeg(string fixture)
    {
        var input = TestImages.Jpeg(256, 192);

        var low = (await Handle(Post(fixture, input).WithQuery("quality", "20"))).Image("image/jpeg");
        var high = (await Handle(Post(fixture, input).WithQuery("quality", "95"))).Image("image/jpeg");

        Assert.True(low.Length < high.Length, $"quality 20 gave {low.Length} bytes, quality 95 {high.Length}");
        using var gray = PixelAssert.IsGray(low);
        PixelAssert.LumaMatches(input, gray, maxMeanError: 6);
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_jpeg_with_no_quality_named_keeps_its_luma_exactly_and_a_named_quality_re_encodes(string fixture)
    {
        var input = JpegSamples.Photo(256, 192, "4:2:0");
        using var luma = Cv2.ImDecode(input, ImreadModes.Grayscale);

        var lossless = (await Handle(Post(fixture, input))).Image("image/jpeg");
        var reencoded = (await Handle(Post(fixture, input).WithQuery("quality", "90"))).Image("image/jpeg");

        using var exact = PixelAssert.IsGray(lossless);
        Assert.Equal(0, Cv2.Norm(luma, exact, NormTypes.INF));
        using var close = PixelAssert.IsGray(reencoded);
        Assert.NotEqual(0, Cv2.Norm(luma, close, NormTypes.INF));
        PixelAssert.LumaMatches(input, close);
    }

    public static TheoryData<string, string, string> InvalidParameters()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var fixture in new[] { Fixtures.RestV1PostBinary, Fixtures.HttpV2PostBinary })
        {
            foreach (var (name, value) in new[] { ("quality", "0"), ("quality", "101"), ("quality", "high"), ("quality", "9.5"), ("quality", "-5"), ("format", "gif"), ("format", "") })
                data.Add(fixture, name, value);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidParameters))]
    public async Task An_invalid_quality_or_format_is_400(string fixture, string name, string value)
    {
        var reply = await Handle(Post(fixture, TestImages.Jpeg()).WithQuery(name, value));

        var message = reply.Error(400, "invalid_request");
        Assert.Contains(name, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_body_is_415()
    {
        var reply = await Handle(Fixtures.Bytes(Fixtures.RestV1TextBody), httpV2: false);

        reply.Error(415, "unsupported_media_type");
    }

    [Fact]
    public async Task A_text_body_through_an_http_api_is_415()
    {
        var reply = await Handle(Fixtures.Load(Fixtures.HttpV2PostBinary).WithTextBody("{\"image\":\"cat.jpg\"}"));

        reply.Error(415, "unsupported_media_type");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_truncated_jpeg_is_422(string fixture)
    {
        var jpeg = TestImages.Jpeg(160, 120);

        var reply = await Handle(Post(fixture, jpeg[..(jpeg.Length / 2)]));

        reply.Error(422, "corrupt_image");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_body_over_the_inline_limit_is_413_pointing_at_uploads(string fixture)
    {
        var jpeg = TestImages.Jpeg(160, 120);
        var function = Function(new ApiOptions { MaxInlineBytes = jpeg.Length - 1 });

        var reply = await Handle(Post(fixture, jpeg), function);

        var message = reply.Error(413, "payload_too_large");
        Assert.Contains("POST /uploads", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_body_of_exactly_the_inline_limit_is_converted(string fixture)
    {
        var jpeg = TestImages.Jpeg(160, 120);
        var function = Function(new ApiOptions { MaxInlineBytes = jpeg.Length });

        var reply = await Handle(Post(fixture, jpeg), function);

        reply.Image("image/jpeg");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task An_empty_body_is_400_empty_body(string fixture)
    {
        var reply = await Handle(Post(fixture, []));

        reply.Error(400, "empty_body");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task An_unknown_route_is_404(string fixture)
    {
        var reply = await Handle(Post(fixture, TestImages.Jpeg()).WithPath("/convert"));

        reply.Error(404, "not_found");
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task Get_on_the_convert_route_is_405_with_allow_post(string fixture)
    {
        // GET / is the web page; /grayscale converts and only converts.
        var reply = await Handle(Fixtures.Load(fixture).WithMethod("GET").WithPath("/grayscale"));

        reply.Error(405, "method_not_allowed");
        Assert.Equal("POST", reply.Header("Allow"));
    }

    [Fact]
    public async Task Get_health_is_200()
    {
        var reply = await Handle(Fixtures.Bytes(Fixtures.RestV1GetHealth), httpV2: false);

        Assert.Equal(200, reply.StatusCode);
        Assert.False(reply.IsBase64Encoded);
        Assert.Equal("application/json", reply.Header("Content-Type"));
        using var json = JsonDocument.Parse(reply.Body);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_health_through_an_http_api_named_stage_is_200()
    {
        var reply = await Handle(ApiEvents.HttpV2("GET", "/health", stage: "prod"));

        Assert.Equal(200, reply.StatusCode);
    }

    [Fact]
    public void Every_route_but_the_page_health_and_preflights_needs_a_key_as_the_deployed_definition_says()
    {
        var function = Function();

        Assert.False(function.NeedsKey("GET", "/"));
        Assert.False(function.NeedsKey("GET", "/assets/app.js"));
        Assert.False(function.NeedsKey("GET", "/health"));
        Assert.False(function.NeedsKey("OPTIONS", "/uploads"));
        Assert.True(function.NeedsKey("POST", "/"));
        Assert.True(function.NeedsKey("POST", "/grayscale"));
        Assert.True(function.NeedsKey("POST", "/uploads"));
        Assert.True(function.NeedsKey("GET", "/jobs/01JDQ8Z5K7M2X9V4R6T3W1Y8AB"));
        Assert.True(function.NeedsKey("GET", "/jobs/01JDQ8Z5K7M2X9V4R6T3W1Y8AB/result"));
        // What no route answers needs a key too (API Gateway's ANY /{proxy+}): a stranger learns nothing.
        Assert.True(function.NeedsKey("GET", "/nowhere"));
        Assert.True(function.NeedsKey("DELETE", "/"));
    }

    [Theory]
    [MemberData(nameof(BinaryPosts))]
    public async Task A_png_with_alpha_stays_a_png_with_its_alpha(string fixture)
    {
        var reply = await Handle(Post(fixture, TestImages.AlphaPng(64, 48)));

        var png = reply.Image("image/png");
        using var decoded = Cv2.ImDecode(png, ImreadModes.Unchanged);
        Assert.Equal(4, decoded.Channels());
        using var alpha = decoded.ExtractChannel(3);
        Assert.Equal(255, alpha.At<byte>(10, 5));   // left half opaque
        Assert.Equal(0, alpha.At<byte>(10, 60));    // right half transparent
        using var luma = PixelAssert.IsGray(png);
        using var expected = TestImages.AlphaMat(64, 48);
        using var expectedLuma = expected.CvtColor(ColorConversionCodes.BGRA2GRAY);
        using var left = new Mat();
        Cv2.Absdiff(luma[new Rect(0, 0, 32, 48)], expectedLuma[new Rect(0, 0, 32, 48)], left);
        Assert.True(Cv2.Mean(left).Val0 <= 1, "the opaque half's luma is BT.601");
    }

    public static TheoryData<string> MalformedEvents =>
    [
        "not json",
        "",
        "[1,2,3]",
        """{"httpMethod":"POST","path":"/","body":"AAAA""",
        """{"httpMethod":"POST","path":"/","body":{"image":"x"}}""",
        """{"version":"2.0","requestContext":{"http":{"method":7}}}""",
        """{"httpMethod":"POST","path":"/","body":"not base64 at all!","isBase64Encoded":true}""",
    ];

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public async Task A_malformed_event_is_a_400_json_answer_not_an_exception(string payload)
    {
        var reply = await Handle(Encoding.UTF8.GetBytes(payload), httpV2: false);

        reply.Error(400, "invalid_request");
    }

    [Fact]
    public async Task Headers_repeated_in_two_spellings_are_read_not_a_500()
    {
        var payload = Encoding.UTF8.GetBytes("""{"httpMethod":"GET","path":"/health","headers":{"Accept":"*/*","accept":"application/json"}}""");

        var reply = await Handle(payload, httpV2: false);

        Assert.Equal(200, reply.StatusCode);
    }
}
