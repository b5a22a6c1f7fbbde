using OpenCvSharp;
using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>A colour PNG is decoded in colour and then converted: its measured peak must stay within its estimate.</summary>
[Collection("peak memory")]
public class PngMemoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void A_12_MP_colour_png_peaks_within_its_estimate(int bitsPerSample)
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        using var colour = TestImages.ColourMat(4000, 3000);
        using var wide = new Mat();
        colour.ConvertTo(wide, bitsPerSample == 16 ? MatType.CV_16UC3 : MatType.CV_8UC3, bitsPerSample == 16 ? 257 : 1);
        var png = TestImages.Encode(wide, ".png");
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var info = converter.Inspect(png);

        var (result, peak) = PeakMemory.GrowthDuring(() => converter.Convert(png, info, ImageFormat.Png));
        long estimate = DecodeCost.PeakBytes(info, keepsLuma: true, keepsSixteenBits: GrayscaleConverter.KeepsSixteenBits(info, ImageFormat.Png, quality: null));

        output.WriteLine($"{bitsPerSample}-bit: peak grew {peak / 1e6:0.0} MB ({(double)peak / info.Pixels:0.00} B/px); estimate {estimate / 1e6:0.0} MB; result {result.Bytes.Length / 1e6:0.0} MB");
        Assert.Equal((4000, 3000), (result.Width, result.Height));
        Assert.True(peak <= estimate, $"peak {peak / 1e6:0.0} MB over the estimate {estimate / 1e6:0.0} MB");
    }
}
