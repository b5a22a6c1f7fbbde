using OpenCvSharp;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Lambda;

namespace Pipeline.Tests;

/// <summary>
/// POST / with a HEIC, AVIF or JPEG XL photo from the real encoders: a gray JPEG by default,
/// saying what was read (X-Image-Input-Format); the format asked for wins; a deployment
/// with PIPELINE_HEIC=0 refuses HEIC with 415 and still converts AVIF; uploads accept their types.
/// </summary>
public class PhotoFormatApiTests
{
    private static readonly byte[] Png = TestImages.Png(160, 120);
    private static readonly Lazy<Dictionary<string, byte[]>> Photos = new(() => new()
    {
        ["HEIC"] = EncodedPhotos.Heic(Png),
        ["AVIF"] = EncodedPhotos.Avif(Png),
        ["JPEG XL"] = EncodedPhotos.Jxl(Png),
    });

    public PhotoFormatApiTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    private static async Task<ApiReply> Post(byte[] image, ApiOptions? options = null, string? format = null)
    {
        options ??= new ApiOptions();
        var function = new ApiFunction(options, Converters.Create(options.Imaging), UnreachableStorage.Store(), JsonLog.Null);
        var e = Fixtures.Load(Fixtures.RestV1PostBinary).WithBody(image);
        if (format is not null)
            e = e.WithQuery("format", format);
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        return ApiReply.Parse(await function.HandleAsync(invocation, CancellationToken.None), e.IsHttpV2());
    }

    [Theory]
    [InlineData("HEIC")]
    [InlineData("AVIF")]
    [InlineData("JPEG XL")]
    public async Task A_photo_comes_back_as_a_gray_jpeg_saying_what_was_read(string format)
    {
        var reply = await Post(Photos.Value[format]);

        using var gray = PixelAssert.IsGray(reply.Image("image/jpeg"));
        Assert.Equal(new Size(160, 120), gray.Size());
        PixelAssert.LumaMatches(Png, gray, maxMeanError: 3.0);
        Assert.Equal(format, reply.Header("X-Image-Input-Format"));
    }

    [Fact]
    public async Task The_format_asked_for_wins()
    {
        var reply = await Post(Photos.Value["HEIC"], format: "png");

        using var gray = PixelAssert.IsGray(reply.Image("image/png"));
        Assert.Equal(new Size(160, 120), gray.Size());
    }

    [Fact]
    public async Task A_deployment_without_hevc_refuses_heic_with_415_and_converts_avif()
    {
        var options = ApiOptions.FromEnvironment(name => name switch
        {
            "PIPELINE_HEIC" => "0",
            _ => null,
        });

        var heic = await Post(Photos.Value["HEIC"], options);
        var avif = await Post(Photos.Value["AVIF"], options);

        Assert.Contains("HEIC", heic.Error(415, "unsupported_media_type"), StringComparison.Ordinal);
        using var gray = PixelAssert.IsGray(avif.Image("image/jpeg"));
    }
}
