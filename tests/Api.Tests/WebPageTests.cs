using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Api.Web;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Jobs;
using Pipeline.Lambda;

namespace Pipeline.Tests;

/// <summary>GET / and its assets: what a browser gets, and the headers that keep it safe.</summary>
public partial class WebPageTests
{
    private static readonly ImagingLimits Limits = DefaultLimits.Imaging;
    private static readonly StorageOptions Storage = new() { InputBucket = "pipeline-input", OutputBucket = "pipeline-output" };

    public WebPageTests() => OpenCvRuntime.Initialize(Limits);

    /// <summary>A job store whose presigned URLs point at <paramref name="endpoint"/> (an emulator), or at AWS in <paramref name="region"/> when null. Signing makes no request.</summary>
    private static JobStore Store(string? endpoint, string region = "us-east-1")
    {
        var config = endpoint is null
            ? new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(region) }
            : new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = region };
        return new JobStore(new AmazonS3Client(new BasicAWSCredentials("test", "test"), config), Storage, httpUrls: endpoint is not null, TimeProvider.System);
    }

    private static ApiFunction Function(ApiOptions? options = null, JobStore? jobs = null) =>
        new(options ?? new ApiOptions(), Converters.Default, jobs ?? UnreachableStorage.Store(), JsonLog.Null);

    private static async Task<ApiReply> Handle(JsonObject e, ApiFunction? function = null)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        return ApiReply.Parse(await (function ?? Function()).HandleAsync(invocation, CancellationToken.None), e.IsHttpV2());
    }

    /// <summary>The directives of a Content-Security-Policy header, by name.</summary>
    private static Dictionary<string, string[]> Directives(string? policy) =>
        (policy ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..]);

    [Fact]
    public async Task Get_root_serves_the_page_with_a_strict_policy_and_nosniff()
    {
        var reply = await Handle(ApiEvents.HttpV2("GET", "/").WithHeader("Accept", "text/html"), Function(jobs: Store("http://127.0.0.1:4566")));

        Assert.Equal(200, reply.StatusCode);
        Assert.Equal("text/html; charset=utf-8", reply.Header("Content-Type"));
        Assert.Equal("nosniff", reply.Header("X-Content-Type-Options"));
        Assert.Equal("no-cache", reply.Header("Cache-Control"));
        Assert.Equal("no-referrer", reply.Header("Referrer-Policy"));
        Assert.Matches("^\"[0-9a-f]{16}\"$", reply.Header("ETag"));
        var policy = Directives(reply.Header("Content-Security-Policy"));
        Assert.Equal(["'none'"], policy["default-src"]);
        Assert.Equal(["'self'"], policy["script-src"]);
        Assert.Equal(["'self'"], policy["style-src"]);
        Assert.Equal(["'self'", "blob:"], policy["img-src"]);
        Assert.Equal(["'self'", "http://127.0.0.1:4566"], policy["connect-src"]);
        Assert.Equal(["'none'"], policy["frame-ancestors"]);
        Assert.Equal(["'none'"], policy["base-uri"]);
        Assert.Equal(["'none'"], policy["form-action"]);
        Assert.Contains("data-testid=\"file-input\"", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_has_no_inline_script_or_style_and_names_nothing_outside_the_service()
    {
        var function = Function();
        var page = (await Handle(ApiEvents.RestV1("GET", "/"), function)).Text;
        var version = new WebPage(new ApiOptions().MaxInlineBytes, () => Task.FromResult<IReadOnlyList<string>>([])).Version;

        Assert.DoesNotContain("{{", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"\son[a-z]+=", page); // no inline event handlers
        var scripts = ScriptTag().Matches(page);
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Matches("src=\"/Prod/assets/app\\.js\\?v=" + version + "\"></script>$", s.Value));
        foreach (var text in new[] { page }.Concat(await AssetTexts(function)))
            Assert.DoesNotMatch(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", Regex.Replace(text, @"http://www\.w3\.org/2000/svg", ""));
    }

    [Fact]
    public async Task The_page_tells_the_script_the_inline_limit_and_the_stage()
    {
        var reply = await Handle(ApiEvents.RestV1("GET", "/"), Function(new ApiOptions { MaxInlineBytes = 123_456 }));

        Assert.Contains("data-api-base=\"/Prod\" data-max-inline-bytes=\"123456\"", reply.Text, StringComparison.Ordinal);
        Assert.Contains("href=\"/Prod/assets/app.css?v=", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_holding_the_current_page_gets_304()
    {
        var function = Function();
        var first = await Handle(ApiEvents.HttpV2("GET", "/"), function);

        var again = await Handle(ApiEvents.HttpV2("GET", "/").WithHeader("If-None-Match", first.Header("ETag")!), function);
        var stale = await Handle(ApiEvents.HttpV2("GET", "/").WithHeader("If-None-Match", "\"0000000000000000\""), function);

        Assert.Equal(304, again.StatusCode);
        Assert.Empty(again.Body);
        Assert.Equal(first.Header("ETag"), again.Header("ETag"));
        Assert.Equal(first.Header("Content-Security-Policy"), again.Header("Content-Security-Policy"));
        Assert.Equal(200, stale.StatusCode);
    }

    [Theory]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("zip.js", "text/javascript; charset=utf-8")]
    [InlineData("app.css", "text/css; charset=utf-8")]
    [InlineData("icon.svg", "image/svg+xml")]
    public async Task Assets_at_the_current_version_are_kept_for_a_year(string name, string contentType)
    {
        var function = Function();
        var version = ScriptVersion().Match((await Handle(ApiEvents.HttpV2("GET", "/"), function)).Text).Groups[1].Value;

        var current = await Handle(ApiEvents.HttpV2("GET", "/assets/" + name).WithQuery("v", version), function);
        var other = await Handle(ApiEvents.HttpV2("GET", "/assets/" + name).WithQuery("v", "0123456789ab"), function);

        Assert.Equal(200, current.StatusCode);
        Assert.True(current.IsBase64Encoded);
        Assert.Equal(contentType, current.Header("Content-Type"));
        Assert.Equal("nosniff", current.Header("X-Content-Type-Options"));
        Assert.Equal("public, max-age=31536000, immutable", current.Header("Cache-Control"));
        Assert.Equal(["'none'"], Directives(current.Header("Content-Security-Policy"))["default-src"]);
        Assert.Equal("no-cache", other.Header("Cache-Control"));
        Assert.Equal(current.Body, other.Body);
    }

    [Fact]
    public async Task An_unknown_asset_is_404_and_a_post_to_an_asset_is_405()
    {
        var function = Function();

        var missing = await Handle(ApiEvents.RestV1("GET", "/assets/secrets.json"), function);
        var post = await Handle(ApiEvents.RestV1("POST", "/assets/app.js").WithBody(TestImages.Jpeg()), function);
        var put = await Handle(ApiEvents.RestV1("PUT", "/"), function);

        missing.Error(404, "not_found");
        post.Error(405, "method_not_allowed");
        Assert.Equal("GET", post.Header("Allow"));
        put.Error(405, "method_not_allowed");
        Assert.Equal("GET, POST", put.Header("Allow"));
    }

    [Fact]
    public async Task Post_root_still_converts_next_to_the_page()
    {
        var jpeg = TestImages.Jpeg(80, 60);

        var reply = await Handle(ApiEvents.RestV1("POST", "/").WithHeader("Content-Type", "application/x-www-form-urlencoded").WithBody(jpeg));

        using var gray = PixelAssert.IsGray(reply.Image("image/jpeg"));
        Assert.Equal(new OpenCvSharp.Size(80, 60), gray.Size());
    }

    [Fact]
    public async Task On_aws_the_policy_names_each_buckets_own_https_origin()
    {
        var origins = await Store(endpoint: null, region: "eu-west-1").PresignedUrlOriginsAsync();

        Assert.Equal(["https://pipeline-input.s3.eu-west-1.amazonaws.com", "https://pipeline-output.s3.eu-west-1.amazonaws.com"], origins);
    }

    [Fact]
    public async Task On_an_emulator_the_policy_names_its_one_endpoint()
    {
        var origins = await Store("http://127.0.0.1:4566").PresignedUrlOriginsAsync();

        Assert.Equal(["http://127.0.0.1:4566"], origins);
    }

    private static async Task<List<string>> AssetTexts(ApiFunction function)
    {
        var texts = new List<string>();
        foreach (var name in new[] { "app.js", "app.css", "icon.svg" })
            texts.Add(Encoding.UTF8.GetString((await Handle(ApiEvents.RestV1("GET", "/assets/" + name), function)).Body));
        return texts;
    }

    [GeneratedRegex("<script[^>]*>[^<]*</script>")]
    private static partial Regex ScriptTag();

    [GeneratedRegex("assets/app\\.js\\?v=([0-9a-f]{12})")]
    private static partial Regex ScriptVersion();
}
