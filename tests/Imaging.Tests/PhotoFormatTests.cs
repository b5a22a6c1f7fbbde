using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests.Imaging;

/// <summary>The real encoders' HEIC, AVIF and JPEG XL files, made once for the class (heif-enc and friends take a moment each).</summary>
public sealed class PhotoFormatFiles
{
    public const int Width = 192, Height = 144;

    public byte[] Source { get; } = EncodedPhotos.SourcePng(Width, Height);
    public byte[] Source16 { get; } = EncodedPhotos.SourcePng(Width, Height, sixteenBit: true);
    public byte[] SourceAlpha { get; } = EncodedPhotos.SourcePng(Width, Height, alpha: true);

    public PhotoFormatFiles()
    {
        Heic = EncodedPhotos.Heic(Source);
        Heic10 = EncodedPhotos.Heic(Source16, "-b", "10");
        Avif = EncodedPhotos.Avif(Source);
        Avif10 = EncodedPhotos.Avif(Source16, "-d", "10");
        AvifAlpha = EncodedPhotos.Avif(SourceAlpha);
        AvifGrid = EncodedPhotos.Avif(Source, "-g", "2x2");
        AvifRotated = EncodedPhotos.Avif(Source, "--irot", "1");
        AvifRotatedMirrored = EncodedPhotos.Avif(Source, "--irot", "1", "--imir", "1");
        Jxl = EncodedPhotos.Jxl(Source);
        JxlLossless = EncodedPhotos.Jxl(Source, "-d", "0");
        Reference = EncodedPhotos.ReferenceGray(Source);
    }

    public byte[] Heic { get; }
    public byte[] Heic10 { get; }
    public byte[] Avif { get; }
    public byte[] Avif10 { get; }
    public byte[] AvifAlpha { get; }
    public byte[] AvifGrid { get; }
    public byte[] AvifRotated { get; }
    public byte[] AvifRotatedMirrored { get; }
    public byte[] Jxl { get; }
    public byte[] JxlLossless { get; }

    /// <summary>Pillow's gray of the sRGB source.</summary>
    public Mat Reference { get; }

    /// <summary>The source cut into <paramref name="rows"/>×<paramref name="columns"/> tiles, each coded by heif-enc.</summary>
    public List<HeifFiles.CodedImage> HeicTiles(int rows, int columns)
    {
        using var source = Cv2.ImDecode(Source, ImreadModes.Color);
        int tileWidth = Width / columns, tileHeight = Height / rows;
        var tiles = new List<HeifFiles.CodedImage>();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                using var tile = new Mat(source, new Rect(c * tileWidth, r * tileHeight, tileWidth, tileHeight));
                tiles.Add(HeifFiles.Primary(EncodedPhotos.Heic(TestImages.Encode(tile, ".png"))));
            }
        }
        return tiles;
    }
}

/// <summary>
/// HEIC, AVIF and JPEG XL photos from the real encoders come back gray: the size and orientation
/// they are displayed with, the gray of the source within coding noise, JPEG unless asked otherwise.
/// </summary>
public sealed class PhotoFormatTests(PhotoFormatFiles files) : IClassFixture<PhotoFormatFiles>
{
    private const double CodingNoise = 2.5; // mean |difference| of lossy coding at these qualities

    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);

    public static TheoryData<string, ImageFormat> Photos => new()
    {
        { "heic", ImageFormat.Heic },
        { "heic 10-bit", ImageFormat.Heic },
        { "avif", ImageFormat.Avif },
        { "avif 10-bit", ImageFormat.Avif },
        { "avif grid", ImageFormat.Avif },
        { "jxl", ImageFormat.JpegXl },
        { "jxl lossless", ImageFormat.JpegXl },
    };

    private byte[] Photo(string name) => name switch
    {
        "heic" => files.Heic,
        "heic 10-bit" => files.Heic10,
        "avif" => files.Avif,
        "avif 10-bit" => files.Avif10,
        "avif grid" => files.AvifGrid,
        "jxl" => files.Jxl,
        _ => files.JxlLossless,
    };

    [Theory]
    [MemberData(nameof(Photos))]
    public void A_photo_is_recognised_and_comes_back_as_the_gray_jpeg_of_its_source(string name, ImageFormat format)
    {
        var photo = Photo(name);

        var info = _converter.Inspect(photo);
        var result = _converter.Convert(photo);

        Assert.Equal((format, PhotoFormatFiles.Width, PhotoFormatFiles.Height), (info.Format, info.Width, info.Height));
        Assert.Equal(name.Contains("10-bit", StringComparison.Ordinal), info.SixteenBit);
        Assert.Equal(ImageFormat.Jpeg, result.Format);
        Assert.Equal(ImageFormat.Jpeg, ImageInspector.Inspect(result.Bytes).Format);
        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.Near(files.Reference, gray, CodingNoise);
    }

    [Fact]
    public void The_format_asked_for_wins_over_the_default_jpeg()
    {
        var result = _converter.Convert(files.Heic, _converter.Inspect(files.Heic), ImageFormat.Png);

        Assert.Equal(ImageFormat.Png, ImageInspector.Inspect(result.Bytes).Format);
        using var gray = PixelAssert.IsGray(result.Bytes);
        PixelAssert.Near(files.Reference, gray, CodingNoise);
    }

    [Fact]
    public void An_avif_rotated_by_its_container_comes_back_upright_turned_once()
    {
        var info = _converter.Inspect(files.AvifRotated);
        using var gray = PixelAssert.IsGray(_converter.Convert(files.AvifRotated).Bytes);
        using var expected = new Mat();
        Cv2.Rotate(files.Reference, expected, RotateFlags.Rotate90Counterclockwise); // irot 1: a quarter turn anticlockwise

        Assert.Equal((PhotoFormatFiles.Height, PhotoFormatFiles.Width, 1), (info.Width, info.Height, info.Orientation));
        PixelAssert.Near(expected, gray, CodingNoise);
        PixelAssert.Far(files.Reference.T().ToMat(), gray, 10); // not merely transposed, not turned twice
    }

    [Fact]
    public void An_avif_rotated_then_mirrored_left_to_right_comes_back_so()
    {
        using var gray = PixelAssert.IsGray(_converter.Convert(files.AvifRotatedMirrored).Bytes);
        using var turned = new Mat();
        Cv2.Rotate(files.Reference, turned, RotateFlags.Rotate90Counterclockwise);
        using var expected = new Mat();
        Cv2.Flip(turned, expected, FlipMode.Y);

        PixelAssert.Near(expected, gray, CodingNoise);
        PixelAssert.Far(turned, gray, 10);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(3, null)]
    [InlineData(1, 0)]
    public void A_heic_grid_rotated_and_mirrored_by_its_container_comes_back_upright(int quarterTurns, int? mirror)
    {
        var heic = HeifFiles.Write(files.HeicTiles(2, 3), new HeifFiles.Layout { Grid = (2, 3), QuarterTurns = quarterTurns, Mirror = mirror });

        var info = _converter.Inspect(heic);
        using var gray = PixelAssert.IsGray(_converter.Convert(heic).Bytes);

        Assert.Equal((ImageFormat.Heic, PhotoFormatFiles.Height, PhotoFormatFiles.Width), (info.Format, info.Width, info.Height));
        using var expected = new Mat();
        Cv2.Rotate(files.Reference, expected, quarterTurns == 1 ? RotateFlags.Rotate90Counterclockwise : RotateFlags.Rotate90Clockwise);
        if (mirror == 0)
            Cv2.Flip(expected, expected, FlipMode.X); // imir 0: top to bottom
        PixelAssert.Near(expected, gray, CodingNoise);
    }

    [Fact]
    public void A_heic_grid_cropped_by_its_output_size_is_assembled_and_cropped()
    {
        var tiles = files.HeicTiles(2, 2);
        var heic = HeifFiles.Write(tiles, new HeifFiles.Layout { Grid = (2, 2), Size = (PhotoFormatFiles.Width - 10, PhotoFormatFiles.Height - 6) });

        var result = _converter.Convert(heic);

        using var gray = PixelAssert.IsGray(result.Bytes);
        using var expected = new Mat(files.Reference, new Rect(0, 0, PhotoFormatFiles.Width - 10, PhotoFormatFiles.Height - 6));
        PixelAssert.Near(expected, gray, CodingNoise);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    public void An_avif_with_alpha_keeps_it_in_png_and_is_flattened_onto_white_in_jpeg(string output)
    {
        var format = output == "png" ? ImageFormat.Png : ImageFormat.Jpeg;
        var info = _converter.Inspect(files.AvifAlpha);

        var result = _converter.Convert(files.AvifAlpha, info, format);

        Assert.True(info.HasAlpha);
        using var decoded = Cv2.ImDecode(result.Bytes, ImreadModes.Unchanged);
        Assert.Equal(format == ImageFormat.Png ? 4 : 1, decoded.Channels());
        using var source = Cv2.ImDecode(files.SourceAlpha, ImreadModes.Unchanged);
        // The right edge is nearly transparent: white once flattened; the alpha itself survives in PNG.
        if (format == ImageFormat.Png)
            Assert.InRange(decoded.At<Vec4b>(PhotoFormatFiles.Height / 2, PhotoFormatFiles.Width - 1).Item3, 0, 12);
        else
            Assert.InRange(decoded.At<byte>(PhotoFormatFiles.Height / 2, PhotoFormatFiles.Width - 1), 240, 255);
    }

    [Fact]
    public void A_jpeg_xl_with_an_orientation_comes_back_upright_turned_once()
    {
        // cjxl keeps a PNG's Exif orientation in the codestream header.
        var png = TestImages.WithPngChunk(files.Source, "eXIf", TestImages.Exif(littleEndian: false, (0x0112, 3, 1, 6))[6..]);
        var jxl = EncodedPhotos.Jxl(png);

        var info = _converter.Inspect(jxl);
        using var gray = PixelAssert.IsGray(_converter.Convert(jxl).Bytes);

        Assert.Equal((PhotoFormatFiles.Width, PhotoFormatFiles.Height, 6), (info.Width, info.Height, info.Orientation));
        using var expected = new Mat();
        Cv2.Rotate(files.Reference, expected, RotateFlags.Rotate90Clockwise);
        PixelAssert.Near(expected, gray, CodingNoise);
    }

    [Fact]
    public void A_heic_is_refused_before_decoding_where_hevc_is_left_out()
    {
        var converter = new GrayscaleConverter(DefaultLimits.Imaging with { Heic = false });

        var error = Assert.Throws<PipelineException>(() => converter.Convert(files.Heic));

        Assert.Equal(ErrorCode.UnsupportedMediaType, error.Code);
        Assert.Contains("HEIC", error.Message, StringComparison.Ordinal);
        Assert.Equal(ImageFormat.Jpeg, converter.Convert(files.Avif).Format); // AV1 is unaffected
    }

    [Theory]
    [InlineData(0x7FFF_FFFF_0000_0000UL)] // past int's range: once overflowed the bounds check (found by fuzzing)
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    [InlineData(1UL << 31)]
    public void A_box_whose_64_bit_size_runs_past_the_file_is_corrupt(ulong largeSize)
    {
        var file = files.Heic;
        // After the ftyp box, a box with a 64-bit size: size field 1, the large size after the type.
        int ftyp = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file);
        var box = new byte[file.Length + 16];
        file.AsSpan(0, ftyp).CopyTo(box);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(box.AsSpan(ftyp), 1);
        "free"u8.CopyTo(box.AsSpan(ftyp + 4));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(ftyp + 8), largeSize);
        file.AsSpan(ftyp).CopyTo(box.AsSpan(ftyp + 16));

        var error = Assert.Throws<PipelineException>(() => _converter.Inspect(box));

        Assert.Equal(ErrorCode.CorruptImage, error.Code);
    }

    [Fact]
    public void A_heic_whose_stream_is_smaller_than_its_container_says_is_refused_not_decoded()
    {
        // libheif 1.15 decodes such a file without complaint; the converter compares.
        var tile = HeifFiles.Primary(files.Heic);
        var lying = HeifFiles.Write([tile], new HeifFiles.Layout { Size = (PhotoFormatFiles.Width * 2, PhotoFormatFiles.Height * 2) });
        var info = _converter.Inspect(lying);

        var error = Assert.Throws<PipelineException>(() => _converter.Convert(lying));

        Assert.Equal((PhotoFormatFiles.Width * 2, PhotoFormatFiles.Height * 2), (info.Width, info.Height));
        Assert.Equal(ErrorCode.CorruptImage, error.Code);
    }

    [Fact]
    public void A_heic_whose_size_property_claims_a_huge_image_is_refused_by_the_pixel_limit()
    {
        var tile = HeifFiles.Primary(files.Heic);
        var bomb = HeifFiles.Write([tile], new HeifFiles.Layout { Size = (30000, 30000) });

        var error = Assert.Throws<PipelineException>(() => _converter.Convert(bomb));

        Assert.Equal(ErrorCode.TooManyPixels, error.Code);
    }

    [Fact]
    public void A_grid_of_thousands_of_tiles_is_refused_before_decoding()
    {
        var tile = HeifFiles.Primary(files.Heic);
        var tiles = Enumerable.Repeat(tile, 40 * 40).ToList();
        var grid = HeifFiles.Write(tiles, new HeifFiles.Layout { Grid = (40, 40) });

        var error = Assert.Throws<PipelineException>(() => _converter.Inspect(grid));

        Assert.Equal(ErrorCode.UnsupportedMediaType, error.Code);
        Assert.Contains("1600 tiles", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("heic")]
    [InlineData("avif")]
    [InlineData("jxl")]
    public void A_truncated_photo_is_refused_as_corrupt_at_every_cut(string name)
    {
        var photo = Photo(name);
        foreach (int cut in new[] { 12, 40, 100, photo.Length / 3, photo.Length / 2, photo.Length - 100, photo.Length - 1 })
        {
            var error = Assert.Throws<PipelineException>(() => _converter.Convert(photo.AsSpan(0, cut)));
            Assert.True(error.Code == ErrorCode.CorruptImage, $"cut at {cut} of {photo.Length}: {error.Code} {error.Message}");
        }
    }
}
