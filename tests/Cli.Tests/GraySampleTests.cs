using OpenCvSharp;
using Pipeline.Cli.Checks;

namespace Pipeline.Tests.Cli;

/// <summary>verify's pixel check: OpenCV's own BT.601 gray of the sample passes; any other gray, colour, another size or no image fails, saying which.</summary>
public sealed class GraySampleTests
{
    public static TheoryData<string> Formats => new() { ".jpg", ".png" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_bt601_gray_of_a_sample_passes(string format)
    {
        var input = Sample(format);
        using var colour = Cv2.ImDecode(input, ImreadModes.Color);
        using var gray = colour.CvtColor(ColorConversionCodes.BGR2GRAY);

        Assert.Null(GraySample.Mismatch(input, gray.ImEncode(format)));
    }

    [Fact]
    public void A_jpegs_own_luma_passes()
    {
        var input = GraySample.Jpeg(96, 64, seed: 1);
        using var luma = Cv2.ImDecode(input, ImreadModes.Grayscale);

        Assert.Null(GraySample.Mismatch(input, luma.ImEncode(".png")));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void An_average_gray_colour_another_size_or_no_image_fails(string format)
    {
        var input = Sample(format);
        using var colour = Cv2.ImDecode(input, ImreadModes.Color);
        using var weights = Mat.FromPixelData(1, 3, MatType.CV_32F, new float[] { 1 / 3f, 1 / 3f, 1 / 3f });
        using var average = new Mat();
        Cv2.Transform(colour, average, weights);
        using var smaller = new Mat();
        using var gray = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        Cv2.Resize(gray, smaller, new Size(colour.Width / 2, colour.Height / 2));

        Assert.Contains("not the image's BT.601 luma", GraySample.Mismatch(input, average.ImEncode(".png")), StringComparison.Ordinal);
        Assert.Contains("in colour", GraySample.Mismatch(input, input), StringComparison.Ordinal);
        Assert.Contains($"is {colour.Width / 2}×{colour.Height / 2}, the image sent {colour.Width}×{colour.Height}", GraySample.Mismatch(input, smaller.ImEncode(".png")), StringComparison.Ordinal);
        Assert.Contains("is not an image", GraySample.Mismatch(input, "{\"status\":\"ok\"}"u8.ToArray()), StringComparison.Ordinal);
    }

    private static byte[] Sample(string format) => format == ".jpg" ? GraySample.Jpeg(96, 64, seed: 1) : GraySample.Png(80, 60, seed: 2);
}
