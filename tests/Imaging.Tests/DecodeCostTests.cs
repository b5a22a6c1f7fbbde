using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>The cost model the decode budget and the converter's memory limit are sized by.</summary>
public class DecodeCostTests
{
    private static long Peak(ImageInfo info) => DecodeCost.PeakBytes(info, keepsLuma: true);

    [Fact]
    public void Estimates_rank_the_costly_decodes_above_a_baseline_jpeg()
    {
        var baseline = ImageInspector.Inspect(TestImages.Jpeg(200, 100));
        var progressive = ImageInspector.Inspect(TestImages.ProgressiveJpeg(200, 100));
        var alpha16 = ImageInspector.Inspect(HostileCorpus.Png16Alpha(200, 100));
        var tiff = ImageInspector.Inspect(TestImages.Tiff(200, 100));

        Assert.True(progressive.Progressive);
        Assert.True(alpha16 is { HasAlpha: true, SixteenBit: true });
        Assert.True(Peak(baseline) < Peak(progressive));
        Assert.True(Peak(progressive) < Peak(alpha16));
        Assert.True(Peak(baseline) < Peak(tiff));
        Assert.True(Peak(baseline) >= baseline.Pixels * 2, "a luma-only JPEG decode peaks above 2 bytes a pixel");
    }
}
