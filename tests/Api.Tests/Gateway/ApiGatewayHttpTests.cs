using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Api.Gateway;

namespace Pipeline.Tests.Gateway;

public class ApiGatewayHttpTests
{
    // Bytes whose base64 holds both '+' and '/', the two characters JSON writers like to escape.
    private static readonly byte[] Binary = [0xFB, 0xEF, 0xBE, 0xFF, 0xFF, 0xFF, 0x00, 0x10, 0x83, 0x7F, 0x80, 0x0D, 0x0A];

    public static TheoryData<string> Shapes => ["v1", "v2"];

    private static JsonObject Event(string shape, string method, string path) =>
        shape == "v1" ? ApiEvents.RestV1(method, path) : ApiEvents.HttpV2(method, path);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_base64_body_is_decoded_byte_exact(string shape)
    {
        var payload = Event(shape, "post", "/grayscale").WithBody(Binary).WithQuery("format", "png").ToPayload();

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/grayscale", request.Path);
        Assert.Equal("png", request.Query["format"]);
        Assert.Equal(Binary, request.Body.ToArray());
        Assert.False(string.IsNullOrEmpty(request.RequestId));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_base64_body_is_decoded_byte_exact_and_the_event_is_left_as_it_was(string shape)
    {
        var payload = Event(shape, "POST", "/").WithBody(Binary).ToPayload();
        var original = payload.ToArray();

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal(Binary, request.Body.ToArray());
        Assert.Equal(original, payload);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_plain_text_body_is_its_utf8_bytes(string shape)
    {
        var text = "naïve \"quoted\" text\nwith a newline";
        var payload = Event(shape, "POST", "/").WithTextBody(text).ToPayload();

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal(text, Encoding.UTF8.GetString(request.Body.Span));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_null_or_missing_body_is_empty(string shape)
    {
        var withNull = Event(shape, "GET", "/health");
        withNull["body"] = null;
        var without = Event(shape, "GET", "/health");
        without.Remove("body");

        Assert.True(ApiGatewayHttp.ReadRequest(withNull.ToPayload()).Body.IsEmpty);
        Assert.True(ApiGatewayHttp.ReadRequest(without.ToPayload()).Body.IsEmpty);
    }

    [Fact]
    public void A_base64_body_written_with_json_escapes_still_decodes()
    {
        var base64 = Convert.ToBase64String(Binary).Replace("/", "\\/", StringComparison.Ordinal).Replace("+", "\\u002B", StringComparison.Ordinal);
        var payload = Encoding.UTF8.GetBytes($$"""{"httpMethod":"POST","path":"/","body":"{{base64}}","isBase64Encoded":true}""");

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal(Binary, request.Body.ToArray());
    }

    [Fact]
    public void An_event_serialised_with_the_default_encoder_still_decodes()
    {
        // The default JavaScriptEncoder writes '+' as \u002B, as many serialisers do.
        var json = ApiEvents.HttpV2("POST", "/").WithBody(Binary).ToJsonString();
        Assert.Contains("\\u002B", json, StringComparison.Ordinal);

        var request = ApiGatewayHttp.ReadRequest(Encoding.UTF8.GetBytes(json));

        Assert.Equal(Binary, request.Body.ToArray());
    }

    [Fact]
    public void IsBase64Encoded_may_come_before_the_body()
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"isBase64Encoded":true,"httpMethod":"POST","path":"/","body":"{{Convert.ToBase64String(Binary)}}"}""");

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal(Binary, request.Body.ToArray());
    }

    [Theory]
    [InlineData("prod", "/prod/grayscale", "/grayscale")]
    [InlineData("prod", "/prod", "/")]
    [InlineData("prod", "/production/grayscale", "/production/grayscale")]
    [InlineData("$default", "/grayscale", "/grayscale")]
    public void An_http_api_named_stage_is_stripped_from_the_path(string stage, string rawPath, string expected)
    {
        var e = ApiEvents.HttpV2("POST", "/");
        e["rawPath"] = rawPath;
        e["requestContext"]!["stage"] = stage;

        var request = ApiGatewayHttp.ReadRequest(e.ToPayload());

        Assert.Equal(expected, request.Path);
    }

    [Fact]
    public void The_stage_helper_builds_the_raw_path_api_gateway_sends()
    {
        var request = ApiGatewayHttp.ReadRequest(ApiEvents.HttpV2("GET", "/health", stage: "prod").ToPayload());

        Assert.Equal("/health", request.Path);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Headers_are_case_insensitive(string shape)
    {
        var payload = Event(shape, "POST", "/").WithHeader("X-Api-Key", "secret").WithHeader("Accept", "image/png").ToPayload();

        var request = ApiGatewayHttp.ReadRequest(payload);

        Assert.Equal("secret", request.Header("x-api-key"));
        Assert.Equal("secret", request.Header("X-API-KEY"));
        Assert.Equal("image/png", request.Header("ACCEPT"));
        Assert.Null(request.Header("authorization"));
    }

    [Fact]
    public void A_v1_event_with_only_multi_value_headers_and_query_falls_back_to_them()
    {
        var e = ApiEvents.RestV1("POST", "/");
        e["headers"] = null;
        e["multiValueHeaders"] = new JsonObject { ["Accept"] = new JsonArray("image/png", "image/webp"), ["X-Api-Key"] = new JsonArray("k") };
        e["multiValueQueryStringParameters"] = new JsonObject { ["quality"] = new JsonArray("10", "75") };

        var request = ApiGatewayHttp.ReadRequest(e.ToPayload());

        Assert.Equal("image/png,image/webp", request.Header("accept"));
        Assert.Equal("k", request.Header("x-api-key"));
        Assert.Equal("75", request.Query["quality"]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    [InlineData("""{"httpMethod":"POST","body":""")]
    [InlineData("""{"httpMethod":"POST","body":42}""")]
    [InlineData("""{"httpMethod":["POST"]}""")]
    [InlineData("""{"version":"2.0","requestContext":"nope"}""")]
    public void A_malformed_event_throws_JsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => ApiGatewayHttp.ReadRequest(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void An_invalid_base64_body_throws_FormatException(string shape)
    {
        var e = Event(shape, "POST", "/").WithTextBody("this is *not* base64!");
        e["isBase64Encoded"] = true;

        Assert.Throws<FormatException>(() => ApiGatewayHttp.ReadRequest(e.ToPayload()));
    }

    [Fact]
    public void A_binary_response_deserialises_as_both_response_shapes_and_round_trips()
    {
        var written = ApiGatewayHttp.WriteResponse(new ApiResponse
        {
            StatusCode = 200,
            Headers = { ["Content-Type"] = "image/jpeg", ["X-Content-Type-Options"] = "nosniff" },
            Body = Binary,
            IsBinary = true,
        }).ToArray();

        var text = Encoding.UTF8.GetString(written);
        var base64 = Convert.ToBase64String(Binary);
        Assert.Contains('+', base64);
        Assert.Contains('/', base64);
        Assert.Contains(base64, text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\\/", text, StringComparison.Ordinal);

        var v1 = JsonSerializer.Deserialize(written, GatewayJsonContext.Default.APIGatewayProxyResponse)!;
        Assert.Equal(200, v1.StatusCode);
        Assert.True(v1.IsBase64Encoded);
        Assert.Equal("image/jpeg", v1.Headers!["Content-Type"]);
        Assert.Equal("nosniff", v1.Headers["X-Content-Type-Options"]);
        Assert.Equal(Binary, Convert.FromBase64String(v1.Body!));

        var v2 = JsonSerializer.Deserialize(written, GatewayJsonContext.Default.APIGatewayHttpApiV2ProxyResponse)!;
        Assert.Equal(200, v2.StatusCode);
        Assert.True(v2.IsBase64Encoded);
        Assert.Equal("image/jpeg", v2.Headers!["Content-Type"]);
        Assert.Equal(Binary, Convert.FromBase64String(v2.Body!));
    }

    [Fact]
    public void A_text_response_is_written_as_text()
    {
        var json = """{"error":{"code":"invalid_request","message":"quality must be <= 100 & \"whole\"."}}""";
        var written = ApiGatewayHttp.WriteResponse(new ApiResponse
        {
            StatusCode = 400,
            Headers = { ["Content-Type"] = "application/json" },
            Body = Encoding.UTF8.GetBytes(json),
        });

        var response = JsonSerializer.Deserialize(written.Span, GatewayJsonContext.Default.APIGatewayProxyResponse)!;

        Assert.Equal(400, response.StatusCode);
        Assert.False(response.IsBase64Encoded);
        Assert.Equal(json, response.Body);
    }

    [Fact]
    public void ProxyBody_reads_a_written_response_back_byte_exact()
    {
        var large = new byte[300_000];
        new Random(7).NextBytes(large);
        var written = ApiGatewayHttp.WriteResponse(new ApiResponse { StatusCode = 201, Body = large, IsBinary = true }).ToArray();

        var (envelope, body) = ProxyBody.Read<APIGatewayHttpApiV2ProxyResponse>(written);

        Assert.Equal(201, envelope.StatusCode);
        Assert.True(envelope.IsBase64Encoded);
        Assert.Null(envelope.Body);
        Assert.True(body.Span.SequenceEqual(large));
    }
}
