using Pipeline.Errors;
using Pipeline.Imaging;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests.Imaging;

/// <summary>The JPEG completeness walk: markers are read as segments, not found by a byte search.</summary>
public class ImageInspectorTests
{
    private static byte[] CommentSegment(params byte[] text) =>
        [0xFF, 0xFE, (byte)((text.Length + 2) >> 8), (byte)(text.Length + 2), .. text];

    [Fact]
    public void A_jpeg_cut_after_a_segment_that_happens_to_contain_ff_d9_is_still_truncated()
    {
        var jpeg = TestImages.Jpeg(64, 48);
        var withoutEnd = jpeg[..^2]; // drop the end-of-image marker
        byte[] cut = [.. withoutEnd, .. CommentSegment(0x41, 0xFF, 0xD9, 0x42)];

        var e = Assert.Throws<PipelineException>(() => ImageInspector.Inspect(cut));

        Assert.Equal(ErrorCode.CorruptImage, e.Code);
    }

    [Fact]
    public void A_segment_after_the_scan_with_ff_d9_inside_it_does_not_end_a_complete_jpeg_early()
    {
        var jpeg = TestImages.Jpeg(64, 48);
        byte[] complete = [.. jpeg[..^2], .. CommentSegment(0xFF, 0xD9), 0xFF, 0xD9];

        var info = ImageInspector.Inspect(complete);

        Assert.Equal((ImageFormat.Jpeg, 64, 48), (info.Format, info.Width, info.Height));
        Assert.Equal(ImageFormat.Jpeg, new GrayscaleConverter(DefaultLimits.Imaging).Convert(complete).Format);
    }

    [Fact]
    public void Restart_markers_and_stuffed_bytes_inside_the_scan_are_data_not_segments()
    {
        var withRestarts = TestImages.Encode(TestImages.ColourMat(256, 192), ".jpg", (int)OpenCvSharp.ImwriteFlags.JpegRstInterval, 1);

        var info = ImageInspector.Inspect(withRestarts);

        Assert.Equal((256, 192), (info.Width, info.Height));
        Assert.Contains(Enumerable.Range(0, withRestarts.Length - 1), i => withRestarts[i] == 0xFF && withRestarts[i + 1] is >= 0xD0 and <= 0xD7);
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 8)]
    [InlineData(true, 1)]
    public void The_exif_orientation_is_read_in_either_byte_order(bool littleEndian, ushort orientation)
    {
        var jpeg = TestImages.AfterSoi(TestImages.Jpeg(), TestImages.App1(TestImages.Exif(littleEndian, (0x010F, 2, 1, 0), (0x0112, 3, 1, orientation))));

        Assert.Equal(orientation, ImageInspector.Inspect(jpeg).Orientation);
    }

    [Fact]
    public void Without_exif_the_orientation_is_1_and_only_the_first_app1_counts()
    {
        var xmp = TestImages.App1([.. "http://ns.adobe.com/xap/1.0/\0"u8, .. "<x:xmpmeta/>"u8]);
        var exif = TestImages.App1(TestImages.Exif(false, (0x0112, 3, 1, 6)));

        Assert.Equal(1, ImageInspector.Inspect(TestImages.Jpeg()).Orientation);
        Assert.Equal(1, ImageInspector.Inspect(TestImages.AfterSoi(TestImages.Jpeg(), TestImages.App1(TestImages.Exif(false, (0x010F, 2, 1, 0))))).Orientation);
        Assert.Equal(1, ImageInspector.Inspect(TestImages.AfterSoi(TestImages.Jpeg(), xmp, exif)).Orientation); // decoders read the first APP1 only
        Assert.Equal(6, ImageInspector.Inspect(TestImages.AfterSoi(TestImages.Jpeg(), exif, xmp)).Orientation);
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    [InlineData(false, 4)]
    [InlineData(true, 9)]
    [InlineData(false, 9)]
    public void The_orientation_is_read_as_short_long_or_signed_long_in_either_byte_order(bool littleEndian, ushort type)
    {
        var jpeg = TestImages.AfterSoi(TestImages.Jpeg(), TestImages.App1(TestImages.Exif(littleEndian, (0x0112, type, 1, 6))));

        Assert.Equal(6, ImageInspector.Inspect(jpeg).Orientation);
    }

    public static TheoryData<string, byte[]> UnclearExif() => new()
    {
        { "value 0", TestImages.Exif(false, (0x0112, 3, 1, 0)) },
        { "value 9", TestImages.Exif(false, (0x0112, 3, 1, 9)) },
        { "type RATIONAL", TestImages.Exif(false, (0x0112, 5, 1, 6)) },
        { "type ASCII", TestImages.Exif(false, (0x0112, 2, 1, 6)) },
        { "count 2", TestImages.Exif(false, (0x0112, 3, 2, 6)) },
        { "the tag twice", TestImages.Exif(false, (0x0112, 3, 1, 6), (0x0112, 3, 1, 6)) },
        { "byte order XX", [.. "Exif\0\0XX\0*"u8, 0, 0, 0, 8] },
        { "not TIFF 42", [.. "Exif\0\0MM\0+"u8, 0, 0, 0, 8] },
        { "IFD past the end", [.. "Exif\0\0MM\0*"u8, 0x7F, 0xFF, 0xFF, 0xFF] },
        { "65535 entries", [.. "Exif\0\0MM\0*"u8, 0, 0, 0, 8, 0xFF, 0xFF, 0, 0] },
        { "TIFF header cut", [.. "Exif\0\0MM\0"u8] },
        { "a TIFF header without the Exif prefix", [.. "XXXX\0\0MM\0*"u8, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(UnclearExif))]
    public void An_orientation_not_stated_clearly_is_ignored(string what, byte[] payload)
    {
        var info = ImageInspector.Inspect(TestImages.AfterSoi(TestImages.Jpeg(), TestImages.App1(payload)));

        Assert.True(info.Orientation == 1, $"{what}: orientation {info.Orientation}");
    }

    [Fact]
    public void The_frame_header_gives_the_sampling_and_whether_the_luma_can_be_copied()
    {
        var yuv420 = ImageInspector.Inspect(JpegSamples.Photo(64, 48, "4:2:0"));
        var yuv444 = ImageInspector.Inspect(JpegSamples.Photo(64, 48, "4:4:4"));
        var gray = ImageInspector.Inspect(JpegSamples.Photo(64, 48, "gray"));
        var progressive = ImageInspector.Inspect(JpegSamples.Photo(64, 48, "progressive"));
        var arithmetic = ImageInspector.Inspect(JpegSamples.ArithmeticCoded(JpegSamples.Photo(64, 48, "4:2:0")));

        Assert.Equal((1.5, true), (yuv420.StoredSamplesPerPixel, yuv420.LumaTranscodable));
        Assert.Equal((3.0, true), (yuv444.StoredSamplesPerPixel, yuv444.LumaTranscodable));
        Assert.Equal((1.0, true), (gray.StoredSamplesPerPixel, gray.LumaTranscodable));
        Assert.True(progressive is { Progressive: true, LumaTranscodable: true });
        Assert.False(arithmetic.LumaTranscodable);
        Assert.True(DecodeCost.PeakBytes(yuv420, keepsLuma: true) < DecodeCost.PeakBytes(yuv444, keepsLuma: true));
    }
}
