using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>HEIC, AVIF, JPEG XL and colour-managed conversions of a 6 MP photo peak within their estimates.</summary>
[Collection("peak memory")]
public class PhotoMemoryTests(ITestOutputHelper output)
{
    private const int Width = 3000, Height = 2000;
    private static readonly Lazy<byte[]> Source = new(() => EncodedPhotos.SourcePng(Width, Height));
    private static readonly Lazy<byte[]> Source16 = new(() => EncodedPhotos.SourcePng(Width, Height, sixteenBit: true));

    [Theory]
    [InlineData("heic")]
    [InlineData("heic 10-bit")]
    [InlineData("avif")]
    [InlineData("avif 10-bit")]
    [InlineData("jxl")]
    [InlineData("p3 jpeg")]
    [InlineData("cmyk jpeg")]
    public void A_6_MP_photo_peaks_within_its_estimate(string kind)
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var photo = Photo(kind, Source.Value, Source16.Value);
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var info = converter.Inspect(photo);
        converter.Convert(Photo(kind, TestImages.Png(), TestImages.Png16())); // the libraries are loaded before measuring

        var (result, peak) = PeakMemory.GrowthDuring(() => converter.Convert(photo, info, ImageFormat.Jpeg));

        long estimate = DecodeCost.PeakBytes(info, keepsLuma: true);
        output.WriteLine($"{kind}: peak grew {peak / 1e6:0.0} MB ({(double)peak / info.Pixels:0.00} B/px); estimate {estimate / 1e6:0.0} MB");
        Assert.Equal((Width, Height), (result.Width, result.Height));
        Assert.True(peak <= estimate, $"peak {peak / 1e6:0.0} MB over the estimate {estimate / 1e6:0.0} MB");
    }

    private static byte[] Photo(string kind, byte[] png, byte[] png16) => kind switch
    {
        "heic" => EncodedPhotos.Heic(png, "-q", "70"),
        "heic 10-bit" => EncodedPhotos.Heic(png16, "-q", "70", "-b", "10"),
        "avif" => EncodedPhotos.Avif(png, "-s", "9"),
        "avif 10-bit" => EncodedPhotos.Avif(png16, "-s", "9", "-d", "10"),
        "jxl" => EncodedPhotos.Jxl(png, "-d", "1", "-e", "3"),
        "p3 jpeg" => EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(png), EncodedPhotos.DisplayP3),
        _ => EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(png), EncodedPhotos.PressCmyk),
    };
}
