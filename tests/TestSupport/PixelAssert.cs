using OpenCvSharp;
using Xunit;

namespace Pipeline.Tests;

/// <summary>Assertions on decoded pixels.</summary>
public static class PixelAssert
{
    /// <summary>
    /// Decodes <paramref name="encoded"/> unchanged and asserts it is grayscale: one channel, or
    /// colour channels that are equal everywhere. Returns the decoded single-channel luma.
    /// Lossy WebP has no grayscale mode: libwebp's fixed-point YUV→RGB turns neutral chroma
    /// into channels up to 1 apart, so WebP output is checked with <paramref name="tolerance"/> 1.
    /// </summary>
    public static Mat IsGray(byte[] encoded, int tolerance = 0)
    {
        using var raw = Cv2.ImDecode(encoded, ImreadModes.Unchanged);
        Assert.False(raw.Empty(), "output does not decode");
        if (raw.Channels() == 1)
            return raw.Clone();
        Assert.True(raw.Channels() is 3 or 4, $"unexpected channel count {raw.Channels()}");
        var channels = raw.Split();
        try
        {
            foreach (var (a, b) in new[] { (0, 1), (1, 2) })
            {
                using var diff = AbsDiff(channels[a], channels[b]);
                Cv2.MinMaxLoc(diff, out double _, out double max);
                Assert.True(max <= tolerance, $"channels {a} and {b} differ by up to {max}");
            }
            return channels[0].Clone();
        }
        finally
        {
            foreach (var c in channels)
                c.Dispose();
        }
    }

    /// <summary>
    /// Asserts the mean absolute difference between <paramref name="gray"/> and BT.601 luma of
    /// <paramref name="colourInput"/> is small, in 8-bit levels (a 16-bit result is compared at 8 bits).
    /// </summary>
    public static void LumaMatches(byte[] colourInput, Mat gray, double maxMeanError = 3.0)
    {
        using var colour = Cv2.ImDecode(colourInput, ImreadModes.Color);
        using var expected = colour.CvtColor(ColorConversionCodes.BGR2GRAY); // 0.299 R + 0.587 G + 0.114 B
        Assert.Equal(expected.Size(), gray.Size());
        using var eightBit = new Mat();
        gray.ConvertTo(eightBit, MatType.CV_8U, gray.Depth() == MatType.CV_16U ? 1.0 / 257 : 1);
        using var diff = AbsDiff(expected, eightBit);
        double mean = Cv2.Mean(diff).Val0;
        Assert.True(mean <= maxMeanError, $"mean luma error {mean:0.00} exceeds {maxMeanError}");
    }

    /// <summary>Asserts <paramref name="actual"/> has <paramref name="expected"/>'s size and differs from it by at most <paramref name="maxMeanError"/> on average.</summary>
    public static void Near(Mat expected, Mat actual, double maxMeanError)
    {
        Assert.Equal(expected.Size(), actual.Size());
        using var diff = AbsDiff(expected, actual);
        double mean = Cv2.Mean(diff).Val0;
        Assert.True(mean <= maxMeanError, $"mean |difference| {mean:0.00} exceeds {maxMeanError}");
    }

    /// <summary>Asserts <paramref name="actual"/> is not <paramref name="other"/>: another size, or a mean |difference| of at least <paramref name="minMeanError"/>.</summary>
    public static void Far(Mat other, Mat actual, double minMeanError)
    {
        if (other.Size() != actual.Size())
            return;
        using var diff = AbsDiff(other, actual);
        double mean = Cv2.Mean(diff).Val0;
        Assert.True(mean >= minMeanError, $"mean |difference| {mean:0.00} is below {minMeanError}: the two are the same picture");
    }

    private static Mat AbsDiff(Mat a, Mat b)
    {
        var d = new Mat();
        Cv2.Absdiff(a, b, d);
        return d;
    }
}
