using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests.Imaging;

public class GrayscaleConverterTests
{
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public GrayscaleConverterTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    public static TheoryData<string> ColourInputs => ["jpeg", "png", "webp", "bmp", "tiff", "progressive", "png16"];

    private static byte[] Input(string kind) => kind switch
    {
        "jpeg" => TestImages.Jpeg(),
        "png" => TestImages.Png(),
        "webp" => TestImages.WebP(),
        "bmp" => TestImages.Bmp(),
        "tiff" => TestImages.Tiff(),
        "progressive" => TestImages.ProgressiveJpeg(),
        "png16" => TestImages.Png16(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(ColourInputs))]
    public void Colour_input_becomes_one_channel_luma_of_the_same_size(string kind)
    {
        var input = Input(kind);

        var result = _converter.Convert(input);

        Assert.Equal(64, result.Width);
        Assert.Equal(48, result.Height);
        using var gray = PixelAssert.IsGray(result.Bytes, tolerance: result.Format == ImageFormat.WebP ? 1 : 0);
        Assert.Equal(new Size(64, 48), gray.Size());
        PixelAssert.LumaMatches(input, gray);
    }

    [Theory]
    [InlineData("jpeg", ImageFormat.Jpeg)]
    [InlineData("png", ImageFormat.Png)]
    [InlineData("webp", ImageFormat.WebP)]
    [InlineData("bmp", ImageFormat.Bmp)]
    [InlineData("tiff", ImageFormat.Tiff)]
    public void Output_keeps_the_input_format_by_default(string kind, ImageFormat expected)
    {
        var result = _converter.Convert(Input(kind));

        Assert.Equal(expected, result.Format);
        Assert.Equal(expected, ImageInspector.Inspect(result.Bytes).Format);
    }

    [Fact]
    public void Requested_output_format_is_honoured()
    {
        var input = TestImages.Jpeg();
        var info = _converter.Inspect(input);

        var png = _converter.Convert(input, info, ImageFormat.Png);
        var webp = _converter.Convert(input, info, ImageFormat.WebP, quality: 80);

        Assert.Equal(ImageFormat.Png, ImageInspector.Inspect(png.Bytes).Format);
        Assert.Equal(ImageFormat.WebP, ImageInspector.Inspect(webp.Bytes).Format);
        using var gray = PixelAssert.IsGray(png.Bytes);
        PixelAssert.LumaMatches(input, gray);
    }

    [Fact]
    public void Lower_quality_gives_a_smaller_jpeg()
    {
        var input = TestImages.Jpeg(256, 192);
        var info = _converter.Inspect(input);

        var high = _converter.Convert(input, info, ImageFormat.Jpeg, quality: 95);
        var low = _converter.Convert(input, info, ImageFormat.Jpeg, quality: 20);

        Assert.True(low.Bytes.Length < high.Bytes.Length, $"{low.Bytes.Length} !< {high.Bytes.Length}");
    }

    [Fact]
    public void Grayscale_input_stays_the_same_picture()
    {
        var input = TestImages.GrayJpeg();

        var result = _converter.Convert(input);

        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.LumaMatches(input, gray, maxMeanError: 1.5);
    }

    [Theory]
    [InlineData(6)] // rotate 90° clockwise to display
    [InlineData(8)] // rotate 90° counter-clockwise to display
    [InlineData(3)] // rotate 180°
    public void Exif_orientation_is_applied_to_the_pixels(ushort orientation)
    {
        var input = TestImages.ExifOrientedJpeg(80, 40, orientation);

        var result = _converter.Convert(input);
        using var gray = PixelAssert.IsGray(result.Bytes);

        bool quarterTurn = orientation is 6 or 8;
        Assert.Equal(quarterTurn ? new Size(40, 80) : new Size(80, 40), gray.Size());
        // The red block (dark in luma) was stored top-left; after the turn it sits in another corner.
        var (darkX, darkY) = orientation switch
        {
            6 => (gray.Width - 5, 5),               // top-right
            8 => (5, gray.Height - 5),              // bottom-left
            _ => (gray.Width - 5, gray.Height - 5), // bottom-right
        };
        Assert.True(gray.At<byte>(darkY, darkX) < 120, "marker not where the orientation puts it");
        Assert.True(gray.At<byte>(5, 5) > 200 || orientation == 0, "stored corner should now be white");
    }

    [Theory]
    [InlineData("gAMA")]
    [InlineData("sRGB")]
    public void A_png_that_states_its_gamma_gives_the_same_gray_as_the_same_pixels_without(string chunk)
    {
        using var picture = TestImages.ColourMat(64, 48);
        var plain = TestImages.Encode(picture, ".png");
        var stated = TestImages.WithPngChunk(plain, chunk, chunk == "gAMA" ? TestImages.GammaChunk(45455) : [0]);
        using (var linearLight = Cv2.ImDecode(stated, ImreadModes.Grayscale))
        using (var stored = Cv2.ImDecode(plain, ImreadModes.Grayscale))
        {
            // Why this test exists: OpenCV's grayscale decoding converts such a PNG in linear light.
            Assert.True(Cv2.Mean(linearLight).Val0 > Cv2.Mean(stored).Val0 + 3, "OpenCV's grayscale decoding no longer brightens it");
        }

        var withChunk = _converter.Convert(stated);
        var without = _converter.Convert(plain);

        Assert.Equal(without.Bytes, withChunk.Bytes);
        // Both are BT.601 luma of the stored values, as for every other format.
        using var gray = PixelAssert.IsGray(withChunk.Bytes);
        using var expected = picture.CvtColor(ColorConversionCodes.BGR2GRAY);
        Assert.Equal(0, Cv2.Norm(expected, gray, NormTypes.INF));
    }

    [Fact]
    public void Alpha_is_kept_for_png_output_and_colour_channels_are_equal()
    {
        var input = TestImages.AlphaPng();

        var result = _converter.Convert(input);

        using var raw = Cv2.ImDecode(result.Bytes, ImreadModes.Unchanged);
        Assert.Equal(4, raw.Channels());
        Assert.Equal(255, raw.At<Vec4b>(10, 5).Item3);  // opaque half
        Assert.Equal(0, raw.At<Vec4b>(10, 60).Item3);   // transparent half
        using var gray = PixelAssert.IsGray(result.Bytes);
    }

    [Fact]
    public void Alpha_is_flattened_onto_white_for_jpeg_output()
    {
        var input = TestImages.AlphaPng();
        var info = _converter.Inspect(input);
        Assert.True(info.HasAlpha);

        var result = _converter.Convert(input, info, ImageFormat.Jpeg);

        using var gray = PixelAssert.IsGray(result.Bytes);
        Assert.True(gray.At<byte>(10, 60) > 245, "transparent pixels should turn white");
        using var colour = TestImages.ColourMat(64, 48);
        using var luma = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        Assert.InRange(gray.At<byte>(10, 5), luma.At<byte>(10, 5) - 6, luma.At<byte>(10, 5) + 6);
    }

    [Fact]
    public void Header_with_too_many_pixels_is_rejected_before_decoding()
    {
        var converter = new GrayscaleConverter(new ImagingLimits { MaxPixels = 1000 });

        var e = Assert.Throws<PipelineException>(() => converter.Convert(TestImages.Jpeg()));

        Assert.Equal(ErrorCode.TooManyPixels, e.Code);
        Assert.Equal(413, ErrorCodes.HttpStatus(e.Code));
    }

    [Fact]
    public void Text_is_unsupported_media()
    {
        var e = Assert.Throws<PipelineException>(() => _converter.Convert("hello, world"u8.ToArray()));
        Assert.Equal(ErrorCode.UnsupportedMediaType, e.Code);
        Assert.Equal(415, ErrorCodes.HttpStatus(e.Code));
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        var e = Assert.Throws<PipelineException>(() => _converter.Convert([]));
        Assert.Equal(ErrorCode.EmptyBody, e.Code);
        Assert.Equal(400, ErrorCodes.HttpStatus(e.Code));
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("bmp")]
    [InlineData("tiff")]
    [InlineData("progressive")]
    public void Truncated_image_is_corrupt_never_half_decoded(string kind)
    {
        var input = Input(kind);
        foreach (var keep in new[] { 0.5, 0.9, 0.99 })
        {
            var cut = input.AsSpan(0, (int)(input.Length * keep)).ToArray();
            var e = Assert.Throws<PipelineException>(() => _converter.Convert(cut));
            Assert.Equal(ErrorCode.CorruptImage, e.Code);
            Assert.Equal(422, ErrorCodes.HttpStatus(e.Code));
        }
    }
}
