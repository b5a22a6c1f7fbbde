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
        Assert.Equal(ImageFormat.Jpeg, new GrayscaleConverter(new ImagingLimits()).Convert(complete).Format);
    }

    [Fact]
    public void Restart_markers_and_stuffed_bytes_inside_the_scan_are_data_not_segments()
    {
        var withRestarts = TestImages.Encode(TestImages.ColourMat(256, 192), ".jpg", (int)OpenCvSharp.ImwriteFlags.JpegRstInterval, 1);

        var info = ImageInspector.Inspect(withRestarts);

        Assert.Equal((256, 192), (info.Width, info.Height));
        Assert.Contains(Enumerable.Range(0, withRestarts.Length - 1), i => withRestarts[i] == 0xFF && withRestarts[i + 1] is >= 0xD0 and <= 0xD7);
    }
}
