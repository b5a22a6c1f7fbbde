using OpenCvSharp;
using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// The lossless path holds every component's coefficients, and a second copy of the luma's to
/// turn it: its measured peak must stay within <see cref="ImageInfo.EstimatedPeakBytes"/>, which
/// the worker's decode budget is counted in.
/// </summary>
[Collection("peak memory")]
public class LosslessJpegMemoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("4:2:0", 1)]
    [InlineData("4:2:0", 6)]
    [InlineData("4:4:4", 1)]
    [InlineData("4:4:4", 6)]
    public void A_12_MP_jpeg_peaks_within_its_estimate(string layout, int orientation)
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var jpeg = TestImages.WithExifOrientation(JpegSamples.Photo(4000, 3000, layout), (ushort)orientation);
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var info = converter.Inspect(jpeg);

        var (result, peak) = PeakMemory.GrowthDuring(() => converter.Convert(jpeg, info, ImageFormat.Jpeg));

        output.WriteLine($"{layout}, orientation {orientation}: peak grew {peak / 1e6:0.0} MB ({(double)peak / info.Pixels:0.00} B/px) for a {jpeg.Length / 1e6:0.0} MB JPEG; "
            + $"estimate {DecodeCost.PeakBytes(info, keepsLuma: true) / 1e6:0.0} MB ({(double)DecodeCost.PeakBytes(info, keepsLuma: true) / info.Pixels:0.00} B/px); result {result.Bytes.Length / 1e6:0.0} MB");
        Assert.True(result.Lossless);
        Assert.True(peak <= DecodeCost.PeakBytes(info, keepsLuma: true), $"peak {peak / 1e6:0.0} MB over the estimate {DecodeCost.PeakBytes(info, keepsLuma: true) / 1e6:0.0} MB");
    }
}
