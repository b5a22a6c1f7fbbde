using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// A 16-bit PNG or TIFF comes back with 16 bits a sample when its result is a PNG or TIFF and no
/// quality is named: its luma at full precision. Other outputs, or a named quality, are 8-bit.
/// </summary>
public class SixteenBitTests
{
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public SixteenBitTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    /// <summary>A colour picture at 16 bits whose low bytes vary too, so that 8 bits cannot hold it.</summary>
    public static Mat Wide(int channels)
    {
        using var colour = TestImages.ColourMat(320, 240);
        var wide = new Mat();
        colour.ConvertTo(wide, MatType.CV_16UC3, 257);
        using var fine = new Mat(wide.Size(), MatType.CV_16UC3);
        Cv2.Randu(fine, Scalar.All(0), Scalar.All(200));
        Cv2.Add(wide, fine, wide);
        if (channels == 3)
            return wide;
        var gray = wide.CvtColor(ColorConversionCodes.BGR2GRAY);
        wide.Dispose();
        return gray;
    }

    private static Mat Decoded(byte[] encoded) => Cv2.ImDecode(encoded, ImreadModes.Unchanged);

    private static void AssertEqual(Mat expected, Mat actual)
    {
        Assert.Equal((expected.Size(), expected.Type()), (actual.Size(), actual.Type()));
        using var unequal = new Mat();
        Cv2.Compare(expected, actual, unequal, CmpTypes.NE);
        Assert.Equal(0, Cv2.CountNonZero(unequal));
    }

    [Theory]
    [InlineData(".png", ImageFormat.Png)]
    [InlineData(".tiff", ImageFormat.Tiff)]
    public void A_16_bit_colour_image_comes_back_as_its_16_bit_luma(string extension, ImageFormat format)
    {
        using var wide = Wide(3);
        var input = TestImages.Encode(wide, extension);

        var result = _converter.Convert(input);

        Assert.Equal(format, result.Format);
        using var gray = Decoded(result.Bytes);
        using var luma = wide.CvtColor(ColorConversionCodes.BGR2GRAY); // BT.601 on the 16-bit values
        AssertEqual(luma, gray);
    }

    [Fact]
    public void A_16_bit_gray_png_comes_back_unchanged()
    {
        using var wide = Wide(1);
        var input = TestImages.Encode(wide, ".png");

        using var gray = Decoded(_converter.Convert(input).Bytes);

        AssertEqual(wide, gray);
    }

    [Fact]
    public void A_16_bit_png_with_alpha_keeps_16_bits_and_its_alpha()
    {
        var input = HostileCorpus.Png16Alpha(96, 64);

        using var result = Decoded(_converter.Convert(input).Bytes);

        Assert.Equal(MatType.CV_16UC4, result.Type());
    }

    [Fact]
    public void A_named_quality_or_an_8_bit_format_gives_8_bits()
    {
        using var wide = Wide(3);
        var input = TestImages.Encode(wide, ".png");
        var info = _converter.Inspect(input);

        using var named = Decoded(_converter.Convert(input, info, ImageFormat.Png, quality: 90).Bytes);
        using var jpeg = Decoded(_converter.Convert(input, info, ImageFormat.Jpeg).Bytes);

        Assert.Equal(MatType.CV_8UC1, named.Type());
        Assert.Equal(MatType.CV_8UC1, jpeg.Type());
    }
}
