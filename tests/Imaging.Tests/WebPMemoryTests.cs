using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>libwebp's encoders hold more than the decode (the lossless one many bytes a pixel): a WebP result's measured peak must stay within the estimate the budget reserves.</summary>
[Collection("peak memory")]
public class WebPMemoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("lossless webp", 2000, 1500)]
    [InlineData("jpeg", 4000, 3000)]
    [InlineData("lossy webp", 4000, 3000)]
    public void A_webp_result_peaks_within_its_estimate(string kind, int width, int height)
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var input = kind switch
        {
            "lossless webp" => TestImages.WebP(width, height, quality: 101),
            "lossy webp" => TestImages.WebP(width, height, quality: 90),
            _ => TestImages.Jpeg(width, height, quality: 90),
        };
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var info = converter.Inspect(input);
        var request = new ConversionRequest(input, info, ImageFormat.WebP, Quality: null);
        long estimate = DecodeCost.PeakBytes(request);

        var (result, peak) = PeakMemory.GrowthDuring(() => converter.Convert(input, info, ImageFormat.WebP));

        output.WriteLine($"{kind} -> WebP: peak grew {peak / 1e6:0.0} MB ({(double)peak / info.Pixels:0.00} B/px); estimate {estimate / 1e6:0.0} MB; result {result.Bytes.Length / 1e6:0.0} MB");
        Assert.Equal(info.Lossless, WebPTests.HasLosslessBitstream(result.Bytes));
        Assert.True(peak <= estimate, $"peak {peak / 1e6:0.0} MB over the estimate {estimate / 1e6:0.0} MB");
    }
}
