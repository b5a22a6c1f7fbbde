using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// A JPEG asked for as a JPEG with no quality keeps its luma exactly: the result and the source,
/// both decoded by libjpeg in grayscale (OpenCV's decoder, luma only), are the same pixels.
/// Turned or mirrored results hold the same coefficients, moved (and for mirrors, sign-flipped):
/// libjpeg's integer inverse DCT rounds a transposed or mirrored block up to 1 level apart from
/// the transposed or mirrored pixels, so those are checked by undoing the turn with jpegtran
/// and finding the source's pixels exactly, and by comparing with the turned source within 1.
/// Expected pixels are oriented by the test itself, from the EXIF definitions, on a decode that
/// ignores the orientation.
/// </summary>
public class LosslessJpegTests
{
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public LosslessJpegTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    public static TheoryData<string> Layouts => ["4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1", "progressive", "restart", "gray"];

    public static TheoryData<string, int> PerfectOrientations()
    {
        var data = new TheoryData<string, int>();
        foreach (var layout in new[] { "4:4:4", "4:2:2", "4:2:0", "progressive", "restart", "gray" })
        {
            for (int orientation = 2; orientation <= 8; orientation++)
                data.Add(layout, orientation);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void The_result_is_the_source_luma_pixel_for_pixel(string layout)
    {
        // Neither side a multiple of 8 or 16: the partial edge blocks come along unchanged.
        var source = JpegSamples.Photo(70, 45, layout);

        var result = _converter.Convert(source);

        Assert.True(result.Lossless, "the lossless path was not taken");
        Assert.Equal((70, 45), (result.Width, result.Height));
        AssertSamePixels(OrientedLuma(source, 1), result.Bytes);
        var info = ImageInspector.Inspect(result.Bytes);
        Assert.Equal(1, info.Channels);
        Assert.Equal(1, info.Orientation);
    }

    [Theory]
    [MemberData(nameof(PerfectOrientations))]
    public void Each_exif_orientation_is_applied_losslessly_when_the_blocks_fit(string layout, int orientation)
    {
        // 48x32: whole 16x16 blocks, so every transform moves every block (TJXOPT_PERFECT holds).
        var source = TestImages.WithExifOrientation(JpegSamples.Photo(48, 32, layout), (ushort)orientation);

        var result = _converter.Convert(source);

        Assert.True(result.Lossless, "the lossless path was not taken");
        bool quarterTurn = orientation >= 5;
        Assert.Equal(quarterTurn ? (32, 48) : (48, 32), (result.Width, result.Height));
        AssertTurnedLosslessly(source, orientation, result.Bytes);
        Assert.Equal(1, ImageInspector.Inspect(result.Bytes).Orientation); // viewers must not turn it again
        Assert.Equal(-1, result.Bytes.AsSpan().IndexOf("Exif\0\0"u8));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void A_grayscale_result_moves_8x8_blocks_so_a_420_image_need_not_fill_its_16x16_blocks(int orientation)
    {
        var source = TestImages.WithExifOrientation(JpegSamples.Photo(40, 24, "4:2:0"), (ushort)orientation);

        var result = _converter.Convert(source);

        Assert.True(result.Lossless, "the lossless path was not taken");
        AssertTurnedLosslessly(source, orientation, result.Bytes);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void An_orientation_that_would_strand_partial_blocks_is_decoded_and_turned_instead(int orientation)
    {
        // 60x44: partial 8x8 blocks on the right and bottom edges, which a lossless flip or turn
        // would have to move to the left or top; the decode + encode path turns the pixels.
        var source = TestImages.WithExifOrientation(JpegSamples.Photo(60, 44, "4:2:0"), (ushort)orientation);

        var result = _converter.Convert(source);

        Assert.False(result.Lossless);
        using var expected = OrientedLuma(source, orientation);
        using var gray = PixelAssert.IsGray(result.Bytes);
        Assert.Equal(expected.Size(), gray.Size());
        using var diff = new Mat();
        Cv2.Absdiff(expected, gray, diff);
        // Re-encoding grain at q90 costs ~3 levels on average; a wrong turn would cost tens.
        Assert.True(Cv2.Mean(diff).Val0 < 4, $"mean difference {Cv2.Mean(diff).Val0:0.00} from the turned luma");
        Assert.Equal(1, ImageInspector.Inspect(result.Bytes).Orientation);
    }

    [Fact]
    public void An_explicit_quality_re_encodes()
    {
        var source = JpegSamples.Photo(64, 48, "4:2:0");
        var info = _converter.Inspect(source);

        var result = _converter.Convert(source, info, ImageFormat.Jpeg, quality: 90);

        Assert.False(result.Lossless);
        using var expected = OrientedLuma(source, 1);
        using var gray = PixelAssert.IsGray(result.Bytes);
        Assert.NotEqual(0, Cv2.Norm(expected, gray, NormTypes.INF)); // re-quantised: not the same pixels
        PixelAssert.LumaMatches(source, gray);
    }

    [Fact]
    public void Another_output_format_decodes()
    {
        var source = JpegSamples.Photo(64, 48, "4:2:0");

        var result = _converter.Convert(source, _converter.Inspect(source), ImageFormat.Png);

        Assert.False(result.Lossless);
        Assert.Equal(ImageFormat.Png, result.Format);
        AssertSamePixels(OrientedLuma(source, 1), result.Bytes); // PNG holds the decoded luma exactly
    }

    [Fact]
    public void A_cmyk_jpeg_is_decoded_and_re_encoded()
    {
        var cmyk = HostileCorpus.Get("jpeg-cmyk").Body;

        var result = _converter.Convert(cmyk);

        Assert.False(result.Lossless);
        Assert.Equal((64, 48), (result.Width, result.Height));
        using var gray = PixelAssert.IsGray(result.Bytes);
        using var picture = TestImages.ColourMat(64, 48);
        PixelAssert.LumaMatches(TestImages.Encode(picture, ".png"), gray);
    }

    [Fact]
    public void An_rgb_coded_jpeg_is_decoded_and_re_encoded()
    {
        var rgb = JpegSamples.RgbCoded(64, 48);
        Assert.True(ImageInspector.Inspect(rgb).LumaTranscodable); // three full-resolution components ...

        var result = _converter.Convert(rgb);

        Assert.False(result.Lossless); // ... but R, G and B, not Y, Cb and Cr
        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.LumaMatches(rgb, gray);
    }

    [Fact]
    public void An_arithmetic_coded_jpeg_is_decoded_and_re_encoded()
    {
        var arithmetic = JpegSamples.ArithmeticCoded(JpegSamples.Photo(64, 48, "4:2:0"));
        Assert.False(ImageInspector.Inspect(arithmetic).LumaTranscodable);

        var result = _converter.Convert(arithmetic);

        Assert.False(result.Lossless);
        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.LumaMatches(arithmetic, gray);
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 4)]
    [InlineData(true, 9)]
    [InlineData(false, 9)]
    public void Every_path_turns_the_image_by_the_one_orientation_the_inspection_read(bool littleEndian, ushort type)
    {
        // The decoders' own Exif readers disagree on a LONG or SLONG tag (OpenCV reads its first
        // two bytes); only the inspection's reading is used, by the lossless transform and the decode.
        var source = TestImages.AfterSoi(JpegSamples.Photo(48, 32, "4:2:0"), TestImages.App1(TestImages.Exif(littleEndian, (0x0112, type, 1, 6))));
        var info = _converter.Inspect(source);

        var lossless = _converter.Convert(source);
        var decoded = _converter.Convert(source, info, ImageFormat.Png);

        Assert.True(lossless.Lossless, "the lossless path was not taken");
        AssertTurnedLosslessly(source, 6, lossless.Bytes);
        using var fromLossless = Cv2.ImDecode(lossless.Bytes, ImreadModes.Grayscale);
        using var fromDecode = Cv2.ImDecode(decoded.Bytes, ImreadModes.Grayscale);
        Assert.Equal((32, 48), (fromDecode.Width, fromDecode.Height));
        // Turned blocks of coefficients and turned pixels decode alike but for the integer IDCT's
        // rounding (±1); a turn the other way would differ everywhere.
        using var difference = new Mat();
        Cv2.Absdiff(fromLossless, fromDecode, difference);
        Cv2.MinMaxLoc(difference, out _, out double largest);
        Assert.True(largest <= 1, $"the paths differ by up to {largest}");
    }

    [Fact]
    public void The_result_is_no_larger_than_the_source()
    {
        var source = JpegSamples.Photo(512, 384, "4:4:4");

        var lossless = _converter.Convert(source);
        var reencoded = _converter.Convert(source, _converter.Inspect(source), ImageFormat.Jpeg, GrayscaleConverter.DefaultQuality);

        Assert.True(lossless.Lossless);
        Assert.True(lossless.Bytes.Length < source.Length, $"{lossless.Bytes.Length} >= {source.Length}");
        Assert.True(lossless.Bytes.Length < reencoded.Bytes.Length * 1.1, $"{lossless.Bytes.Length} vs {reencoded.Bytes.Length} re-encoded");
    }

    /// <summary>The source's luma decoded without its EXIF orientation, then oriented as EXIF defines 1–8.</summary>
    private static Mat OrientedLuma(byte[] jpeg, int orientation)
    {
        using var stored = Cv2.ImDecode(jpeg, ImreadModes.Grayscale | ImreadModes.IgnoreOrientation);
        var oriented = new Mat();
        switch (orientation)
        {
            case 1: stored.CopyTo(oriented); break;
            case 2: Cv2.Flip(stored, oriented, FlipMode.Y); break;                    // mirrored left to right
            case 3: Cv2.Rotate(stored, oriented, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(stored, oriented, FlipMode.X); break;                    // mirrored top to bottom
            case 5: Cv2.Transpose(stored, oriented); break;                           // row 0 is the left column
            case 6: Cv2.Rotate(stored, oriented, RotateFlags.Rotate90Clockwise); break;
            case 7: using (var t = stored.T()) Cv2.Flip(t, oriented, FlipMode.XY); break; // transverse
            case 8: Cv2.Rotate(stored, oriented, RotateFlags.Rotate90Counterclockwise); break;
        }
        return oriented;
    }

    /// <summary>
    /// The result holds the source's luma coefficients, moved: jpegtran's inverse transform gives
    /// back exactly the source's pixels, and the result's pixels are the turned source's within 1.
    /// </summary>
    private static void AssertTurnedLosslessly(byte[] source, int orientation, byte[] result)
    {
        string[] undo = orientation switch
        {
            2 => ["-flip", "horizontal"],
            3 => ["-rotate", "180"],
            4 => ["-flip", "vertical"],
            5 => ["-transpose"],
            6 => ["-rotate", "270"],
            7 => ["-transverse"],
            8 => ["-rotate", "90"],
            _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
        };
        AssertSamePixels(OrientedLuma(source, 1), JpegSamples.Jpegtran(result, [.. undo, "-perfect"]));

        using var expected = OrientedLuma(source, orientation);
        using var actual = Cv2.ImDecode(result, ImreadModes.Grayscale);
        Assert.Equal(expected.Size(), actual.Size());
        using var unequal = new Mat();
        Cv2.Compare(expected, actual, unequal, CmpTypes.NE);
        double differing = Cv2.CountNonZero(unequal) / (double)expected.Total();
        Assert.True(Cv2.Norm(expected, actual, NormTypes.INF) <= 1, $"pixels differ by up to {Cv2.Norm(expected, actual, NormTypes.INF)} from the turned source");
        Assert.True(differing < 0.05, $"{differing:P1} of the pixels differ by 1 from the turned source");
    }

    private static void AssertSamePixels(Mat expected, byte[] result)
    {
        using (expected)
        using (var actual = Cv2.ImDecode(result, ImreadModes.Grayscale))
        {
            Assert.Equal(expected.Size(), actual.Size());
            using var unequal = new Mat();
            Cv2.Compare(expected, actual, unequal, CmpTypes.NE);
            int differing = Cv2.CountNonZero(unequal);
            Assert.True(differing == 0, $"{differing} of {expected.Total()} pixels differ, by up to {Cv2.Norm(expected, actual, NormTypes.INF)}");
        }
    }
}
