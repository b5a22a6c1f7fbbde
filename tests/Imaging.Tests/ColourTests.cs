using System.Buffers.Binary;
using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>Photos whose colours are stated in another space, made once for the class by the real tools.</summary>
public sealed class ColourFiles
{
    public const int Width = 192, Height = 144;

    public byte[] Source { get; } = EncodedPhotos.SourcePng(Width, Height);

    public ColourFiles()
    {
        SrgbJpeg = EncodedPhotos.Jpeg(Source);
        P3Png = EncodedPhotos.Tagged(Source, EncodedPhotos.DisplayP3);
        Profiles = new Dictionary<string, byte[]>
        {
            ["display-p3"] = EncodedPhotos.DisplayP3,
            ["adobe-rgb"] = EncodedPhotos.AdobeRgb,
            ["prophoto-rgb"] = EncodedPhotos.ProPhotoRgb,
        };
    }

    public byte[] SrgbJpeg { get; }
    public byte[] P3Png { get; }
    public IReadOnlyDictionary<string, byte[]> Profiles { get; }
}

/// <summary>
/// A photo in Display P3, Adobe RGB, ProPhoto RGB or CMYK comes back as the gray a colour-managed
/// viewer shows: within a level or two of Pillow's ImageCms reference, in every format that
/// carries a profile, where the stored values' luma would be visibly off.
/// </summary>
public sealed class ColourTests(ColourFiles files) : IClassFixture<ColourFiles>
{
    private const double SameDecode = 0.6; // the same libjpeg/libpng pixels and lcms: rounding only
    private const double CodingNoise = 2.5;

    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public static TheoryData<string> ProfileNames => ["display-p3", "adobe-rgb", "prophoto-rgb"];

    private Mat Gray(byte[] image, ImageFormat output = ImageFormat.Png)
    {
        var result = _converter.Convert(image, _converter.Inspect(image), output);
        Assert.False(HoldsProfile(result.Bytes), "the output carries a colour profile");
        return PixelAssert.IsGray(result.Bytes);
    }

    [Theory]
    [MemberData(nameof(ProfileNames))]
    public void A_jpeg_in_another_rgb_space_grays_as_a_colour_managed_viewer_shows_it(string profile)
    {
        var jpeg = EncodedPhotos.Jpgicc(files.SrgbJpeg, files.Profiles[profile]);
        using var reference = EncodedPhotos.ReferenceGray(jpeg);
        using var stored = EncodedPhotos.StoredLuma(jpeg);

        using var gray = Gray(jpeg);

        PixelAssert.Far(reference, stored, 2); // why it matters: the stored values' luma is visibly off
        PixelAssert.Near(reference, gray, SameDecode);
    }

    [Fact]
    public void A_p3_jpeg_leaves_the_lossless_path_whose_gray_would_be_visibly_wrong()
    {
        var jpeg = EncodedPhotos.Jpgicc(files.SrgbJpeg, EncodedPhotos.DisplayP3);
        using var reference = EncodedPhotos.ReferenceGray(jpeg);
        using var stored = EncodedPhotos.StoredLuma(jpeg);

        var result = _converter.Convert(jpeg); // a JPEG with no quality named: the lossless path, were it sRGB

        Assert.False(result.Lossless);
        Assert.Equal(ImageFormat.Jpeg, result.Format);
        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.Far(reference, stored, 4);
        PixelAssert.Near(reference, gray, 1.5); // re-encoded at quality 90
        PixelAssert.Far(stored, gray, 3);
    }

    [Fact]
    public void A_jpeg_tagged_srgb_keeps_the_lossless_path()
    {
        var jpeg = EncodedPhotos.Jpgicc(files.SrgbJpeg, File.ReadAllBytes("/usr/share/color/icc/colord/sRGB.icc"));
        Assert.True(HoldsProfile(jpeg));

        var result = _converter.Convert(jpeg);

        Assert.True(result.Lossless);
        Assert.False(HoldsProfile(result.Bytes));
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".webp")]
    [InlineData(".tiff")]
    public void A_p3_png_webp_or_tiff_grays_as_a_colour_managed_viewer_shows_it(string extension)
    {
        var image = extension switch
        {
            ".png" => files.P3Png,
            ".webp" => EncodedPhotos.Resaved(files.P3Png, ".webp"),
            _ => EncodedPhotos.Tificc(EncodedPhotos.Resaved(files.Source, ".tiff"), EncodedPhotos.DisplayP3),
        };
        using var reference = EncodedPhotos.ReferenceGray(extension == ".webp" ? files.P3Png : image);

        using var gray = Gray(image);

        PixelAssert.Near(reference, gray, SameDecode);
    }

    [Theory]
    [InlineData("heic")]
    [InlineData("avif")]
    [InlineData("jxl")]
    [InlineData("jxl lossless")]
    public void A_p3_heic_avif_or_jpeg_xl_grays_as_a_colour_managed_viewer_shows_it(string kind)
    {
        var photo = kind switch
        {
            "heic" => EncodedPhotos.Heic(files.P3Png),
            "avif" => EncodedPhotos.Avif(files.P3Png),
            "jxl" => EncodedPhotos.Jxl(files.P3Png),
            _ => EncodedPhotos.Jxl(files.P3Png, "-d", "0"),
        };
        using var reference = EncodedPhotos.ReferenceGray(files.P3Png);
        using var stored = EncodedPhotos.StoredLuma(files.P3Png);

        using var gray = Gray(photo);

        PixelAssert.Far(reference, stored, 4);
        PixelAssert.Near(reference, gray, CodingNoise);
        PixelAssert.Far(stored, gray, 3);
    }

    [Fact]
    public void A_heic_stating_p3_primaries_in_nclx_grays_as_p3()
    {
        using var p3Values = Cv2.ImDecode(files.P3Png, ImreadModes.Color);
        var untagged = TestImages.Encode(p3Values, ".png"); // the P3 values, without the profile
        // heif-enc 1.15 writes no nclx box of its own here: the coded image is put in a file that states Display P3's.
        var heic = HeifFiles.Write([HeifFiles.Primary(EncodedPhotos.Heic(untagged))], new HeifFiles.Layout { Nclx = (12, 13) });
        using var reference = EncodedPhotos.ReferenceGray(files.P3Png);

        using var gray = Gray(heic);

        PixelAssert.Near(reference, gray, CodingNoise);
    }

    [Fact]
    public void A_png_stating_chromaticities_and_gamma_is_honoured_as_browsers_do()
    {
        var profile = EncodedPhotos.P3WithGamma(1 / 0.45455);
        var tagged = EncodedPhotos.Tagged(files.Source, profile);
        using var reference = EncodedPhotos.ReferenceGray(tagged);
        using var values = Cv2.ImDecode(tagged, ImreadModes.Color);
        var png = TestImages.Encode(values, ".png");
        // cHRM: white 0.3127 0.3290, red 0.680 0.320, green 0.265 0.690, blue 0.150 0.060 (times 100,000); gAMA 1/2.2.
        var chromaticities = new byte[32];
        uint[] xy = [31270, 32900, 68000, 32000, 26500, 69000, 15000, 6000];
        for (int i = 0; i < 8; i++)
            BinaryPrimitives.WriteUInt32BigEndian(chromaticities.AsSpan(4 * i), xy[i]);
        png = TestImages.WithPngChunk(TestImages.WithPngChunk(png, "gAMA", TestImages.GammaChunk(45455)), "cHRM", chromaticities);

        using var gray = Gray(png);

        PixelAssert.Near(reference, gray, SameDecode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_cmyk_jpeg_grays_as_a_viewer_shows_it_with_or_without_its_profile(bool embedded)
    {
        var jpeg = EncodedPhotos.Jpgicc(files.SrgbJpeg, EncodedPhotos.PressCmyk, embed: embedded);
        using var reference = EncodedPhotos.ReferenceGray(jpeg); // Pillow: ImageCms with the profile, else R = (1 - C)(1 - K)

        using var gray = Gray(jpeg);

        Assert.Equal(4, _converter.Inspect(jpeg).Components);
        PixelAssert.Near(reference, gray, embedded ? 1.0 : SameDecode);
    }

    [Fact]
    public void The_table_of_a_profile_met_often_gives_the_gray_converting_each_pixel_gives()
    {
        // A profile of its own, so the first conversion is surely the direct one.
        var profile = EncodedPhotos.P3WithGamma(2.3);
        var small = EncodedPhotos.Tagged(files.Source, profile);
        using var direct = Gray(small);
        using var large = new Mat(4096, 4096, MatType.CV_8UC3);
        Cv2.Randu(large, Scalar.All(0), Scalar.All(256));
        var big = EncodedPhotos.Tagged(TestImages.Encode(large, ".png"), profile); // 2^24 pixels: enough to build the table

        using var bigGray = Gray(big);
        using var tabulated = Gray(small);

        Assert.Equal(0, Cv2.Norm(direct, tabulated, NormTypes.INF));
        using var reference = EncodedPhotos.ReferenceGray(big);
        PixelAssert.Near(reference, bigGray, SameDecode);
    }

    [Fact]
    public void A_jpeg_whose_profile_has_a_table_grays_from_its_planes_as_converting_each_pixel_does()
    {
        var profile = EncodedPhotos.P3WithGamma(2.4); // of its own, so the first conversion is surely the direct one
        var small = EncodedPhotos.Resaved(EncodedPhotos.Tagged(files.Source, profile), ".jpg"); // Pillow: 4:2:0, as phones write
        using var reference = EncodedPhotos.ReferenceGray(small);
        using var direct = Gray(small);
        using var large = new Mat(4096, 4096, MatType.CV_8UC3);
        Cv2.Randu(large, Scalar.All(0), Scalar.All(256));
        Gray(EncodedPhotos.Resaved(EncodedPhotos.Tagged(TestImages.Encode(large, ".png"), profile), ".jpg")).Dispose(); // 2^24 pixels: the table is built

        using var fromPlanes = Gray(small);

        PixelAssert.Near(reference, direct, SameDecode);
        PixelAssert.Near(reference, fromPlanes, 1.0); // each pixel takes its chroma sample as stored, not upsampled
        PixelAssert.Far(direct, fromPlanes, 0.01); // the planes were what was read
    }

    /// <summary>Whether encoded bytes carry an ICC profile (JPEG APP2 ICC_PROFILE, PNG iCCP, WebP ICCP).</summary>
    /// <summary>
    /// Whether the file has a profile chunk or segment: a PNG iCCP chunk, a JPEG APP2 ICC_PROFILE
    /// segment before its scan, a WebP ICCP chunk (walked, not searched for: a large image's
    /// compressed data holds any four bytes by chance).
    /// </summary>
    private static bool HoldsProfile(byte[] encoded)
    {
        var data = encoded.AsSpan();
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']))
        {
            for (int at = 8; at + 8 <= data.Length; at += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(data[at..]))
            {
                if (data.Slice(at + 4, 4).SequenceEqual("iCCP"u8))
                    return true;
            }
            return false;
        }
        if (data.StartsWith("RIFF"u8))
        {
            for (int at = 12; at + 8 <= data.Length; at += 8 + ((BinaryPrimitives.ReadInt32LittleEndian(data[(at + 4)..]) + 1) & ~1))
            {
                if (data.Slice(at, 4).SequenceEqual("ICCP"u8))
                    return true;
            }
            return false;
        }
        for (int at = 2; at + 4 <= data.Length && data[at] == 0xFF && data[at + 1] != 0xDA; at += 2 + BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]))
        {
            if (data[at + 1] == 0xE2 && data[(at + 4)..].StartsWith("ICC_PROFILE"u8))
                return true;
        }
        return false;
    }
}
