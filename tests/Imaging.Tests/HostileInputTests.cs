using System.Buffers.Binary;
using System.IO.Compression;
using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests.Imaging;

/// <summary>The hostile corpus through the imaging core: a grayscale result or a PipelineException with the expected code, nothing else.</summary>
public class HostileInputTests
{
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public HostileInputTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    public static TheoryData<string> Cases => [.. HostileCorpus.All.Keys];

    public static TheoryData<string> Bombs => [.. HostileCorpus.All.Values.Where(c => c.IsBomb).Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_case_is_converted_or_rejected_with_its_code(string name)
    {
        var hostile = HostileCorpus.Get(name);

        if (hostile.IsImage)
        {
            var result = _converter.Convert(hostile.Body);
            Assert.Equal(hostile.Format!.Value.DefaultOutput(), result.Format);
            using var gray = PixelAssert.IsGray(result.Bytes, tolerance: result.Format == ImageFormat.WebP ? 1 : 0);
            Assert.Equal(hostile.Size, gray.Size());
        }
        else
        {
            var e = Assert.Throws<PipelineException>(() => _converter.Convert(hostile.Body));
            Assert.Equal(hostile.Error, e.Code);
        }
    }

    [Theory]
    [MemberData(nameof(Bombs))]
    public void Bombs_are_refused_by_inspection_before_any_decoder_runs(string name)
    {
        var bomb = HostileCorpus.Get(name);

        // Inspection reads headers and structure, never pixels, and refuses the bomb by itself.
        var inspected = Assert.Throws<PipelineException>(() => _converter.Inspect(bomb.Body));
        // Converting refuses it with that very refusal, thrown where inspection throws it. A decoder
        // that ran first would answer otherwise: past OpenCV's own pixel limit with corrupt_image,
        // on the lossless JPEG path with an image.
        var converted = Assert.Throws<PipelineException>(() => _converter.Convert(bomb.Body));

        Assert.Equal(bomb.Error, inspected.Code);
        Assert.Equal((inspected.Code, inspected.Message, inspected.TargetSite), (converted.Code, converted.Message, converted.TargetSite));
    }

    [Fact]
    public void The_400_MP_png_really_inflates_to_400_MB()
    {
        var png = HostileCorpus.Get("png-20000x20000-zero-rows").Body;
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat - 4));

        using var zlib = new ZLibStream(new MemoryStream(png, idat + 4, length), CompressionMode.Decompress);
        long inflated = 0;
        var buffer = new byte[1 << 20];
        for (int read; (read = zlib.Read(buffer)) > 0;)
            inflated += read;

        Assert.Equal(20000L * (1 + 20000), inflated); // a filter byte and 20000 samples a row
        Assert.True(png.Length < inflated / 1000, $"{png.Length} bytes");
    }

    [Fact]
    public void The_largest_image_allowed_is_converted_and_one_more_row_is_refused()
    {
        var largest = HostileCorpus.ZeroRowsPng(7000, 7142); // 49,994,000 pixels
        var tooLarge = HostileCorpus.ZeroRowsPng(7000, 7143); // 50,001,000

        var result = _converter.Convert(largest);
        var e = Assert.Throws<PipelineException>(() => _converter.Convert(tooLarge));

        Assert.Equal((7000, 7142), (result.Width, result.Height));
        Assert.Equal(ErrorCode.TooManyPixels, e.Code);
    }

    [Fact]
    public void The_animated_gif_is_a_real_gif_we_refuse_by_name()
    {
        var gif = HostileCorpus.Get("gif-animated").Body;
        using var firstFrame = Cv2.ImDecode(gif, ImreadModes.Color);
        Assert.Equal(new Size(1, 1), firstFrame.Size());

        var e = Assert.Throws<PipelineException>(() => _converter.Convert(gif));

        Assert.Equal(ErrorCode.UnsupportedMediaType, e.Code);
        Assert.StartsWith("GIF is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cmyk_jpeg_becomes_the_luma_of_its_picture()
    {
        var cmyk = HostileCorpus.Get("jpeg-cmyk").Body;
        int frame = cmyk.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        Assert.Equal(4, cmyk[frame + 9]); // four components

        var result = _converter.Convert(cmyk);

        using var gray = PixelAssert.IsGray(result.Bytes);
        using var picture = TestImages.ColourMat(64, 48);
        PixelAssert.LumaMatches(TestImages.Encode(picture, ".png"), gray);
    }

    [Fact]
    public void A_progressive_jpeg_of_up_to_100_scans_converts_and_one_more_is_refused()
    {
        int encoderScans = ScanCount(HostileCorpus.ManyScansJpeg(64, 48, 0));
        var hundred = HostileCorpus.ManyScansJpeg(64, 48, 100 - encoderScans);
        var hundredAndOne = HostileCorpus.ManyScansJpeg(64, 48, 101 - encoderScans);
        Assert.Equal(100, ScanCount(hundred));

        var result = _converter.Convert(hundred);
        var e = Assert.Throws<PipelineException>(() => _converter.Convert(hundredAndOne));

        Assert.Equal(new Size(64, 48), new Size(result.Width, result.Height));
        Assert.Equal(ErrorCode.CorruptImage, e.Code);
        Assert.Contains("101 scans", e.Message, StringComparison.Ordinal);
    }

    private static int ScanCount(byte[] jpeg) => jpeg.AsSpan().Count([(byte)0xFF, (byte)0xDA]);
}
