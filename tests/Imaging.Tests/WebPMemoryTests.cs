using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>libwebp's lossless encoder holds several bytes a pixel: its measured peak must stay within the estimate the budget reserves.</summary>
[Collection("peak memory")]
public class WebPMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void A_lossless_webp_encoded_losslessly_peaks_within_its_estimate()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var input = TestImages.WebP(2000, 1500, quality: 101);
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var info = converter.Inspect(input);
        long estimate = DecodeCost.PeakBytes(info, keepsLuma: false, encodesLosslessWebP: true);

        var (result, peak) = PeakMemory.GrowthDuring(() => converter.Convert(input, info, ImageFormat.WebP));

        output.WriteLine($"peak grew {peak / 1e6:0.0} MB ({(double)peak / info.Pixels:0.00} B/px); estimate {estimate / 1e6:0.0} MB; result {result.Bytes.Length / 1e6:0.0} MB");
        Assert.True(WebPTests.HasLosslessBitstream(result.Bytes));
        Assert.True(peak <= estimate, $"peak {peak / 1e6:0.0} MB over the estimate {estimate / 1e6:0.0} MB");
    }
}
