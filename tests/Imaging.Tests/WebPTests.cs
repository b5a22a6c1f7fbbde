using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// WebP keeps what it is: a lossless WebP (VP8L) comes back lossless with exactly its luma, as a
/// PNG does, unless a quality is named; a lossy one (VP8) comes back lossy at the default quality.
/// </summary>
public class WebPTests
{
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    private static byte[] Lossless(int width = 320, int height = 240) => TestImages.WebP(width, height, quality: 101);

    private static byte[] Lossy(int width = 320, int height = 240) => TestImages.WebP(width, height, quality: 90);

    /// <summary>True when <paramref name="webp"/>'s frame is a VP8L bitstream: a simple file's first chunk, or a chunk after an extended file's VP8X.</summary>
    public static bool HasLosslessBitstream(byte[] webp)
    {
        var first = webp.AsSpan(12, 4);
        return first.SequenceEqual("VP8L"u8) || (first.SequenceEqual("VP8X"u8) && webp.AsSpan(30).IndexOf("VP8L"u8) >= 0);
    }

    [Fact]
    public void The_reader_tells_a_lossless_webp_from_a_lossy_one()
    {
        using var alpha = TestImages.AlphaMat(64, 48);

        Assert.True(ImageInspector.Inspect(Lossless()).Lossless);
        Assert.False(ImageInspector.Inspect(Lossy()).Lossless);
        Assert.True(ImageInspector.Inspect(TestImages.Encode(alpha, ".webp", (int)ImwriteFlags.WebPQuality, 101)).Lossless);
        // A lossy WebP with alpha is extended (VP8X) with a lossless alpha chunk (ALPH): its colour is lossy.
        var lossyAlpha = TestImages.Encode(alpha, ".webp", (int)ImwriteFlags.WebPQuality, 80);
        Assert.True(lossyAlpha.AsSpan(12, 4).SequenceEqual("VP8X"u8));
        Assert.False(ImageInspector.Inspect(lossyAlpha).Lossless);
        Assert.False(ImageInspector.Inspect(TestImages.Png()).Lossless);
    }

    [Fact]
    public void A_lossless_webp_comes_back_as_a_lossless_webp_whose_pixels_are_exactly_its_luma()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var input = Lossless();

        var result = _converter.Convert(input);

        Assert.Equal(ImageFormat.WebP, result.Format);
        Assert.True(HasLosslessBitstream(result.Bytes), "the result is not a VP8L bitstream");
        Assert.True(ImageInspector.Inspect(result.Bytes).Lossless);
        using var gray = PixelAssert.IsGray(result.Bytes, tolerance: 0); // R = G = B exactly
        using var colour = Cv2.ImDecode(input, ImreadModes.Color);
        using var luma = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var unequal = new Mat();
        Cv2.Compare(luma, gray, unequal, CmpTypes.NE);
        Assert.Equal(0, Cv2.CountNonZero(unequal));
    }

    [Fact]
    public void A_named_quality_or_another_format_is_honoured_for_a_lossless_webp()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var input = Lossless();
        var info = _converter.Inspect(input);

        var named = _converter.Convert(input, info, ImageFormat.WebP, quality: 90);
        var jpeg = _converter.Convert(input, info, ImageFormat.Jpeg);

        Assert.False(HasLosslessBitstream(named.Bytes));
        Assert.False(ImageInspector.Inspect(named.Bytes).Lossless);
        Assert.Equal(ImageFormat.Jpeg, ImageInspector.Inspect(jpeg.Bytes).Format);
    }

    [Fact]
    public void A_lossy_webp_comes_back_lossy_at_the_default_quality()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var input = Lossy();
        var info = _converter.Inspect(input);

        var result = _converter.Convert(input, info, ImageFormat.WebP);
        var atDefault = _converter.Convert(input, info, ImageFormat.WebP, GrayscaleConverter.DefaultQuality);

        Assert.False(HasLosslessBitstream(result.Bytes));
        Assert.Equal(atDefault.Bytes, result.Bytes);
        using var gray = PixelAssert.IsGray(result.Bytes, tolerance: 1);
        PixelAssert.LumaMatches(input, gray);
    }
}
