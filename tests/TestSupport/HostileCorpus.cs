using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests;

/// <summary>
/// One body a client or an uploader might send, and what the service must make of it:
/// <see cref="Error"/> null means it is a real image we support and must be converted.
/// </summary>
/// <param name="Name">A short unique name, usable in an S3 key.</param>
/// <param name="Body">The bytes.</param>
/// <param name="Error">The error it must be rejected with, or null.</param>
/// <param name="ContentType">The Content-Type a client sends with it (the service must not trust it).</param>
/// <param name="Format">For a real image: its format.</param>
/// <param name="Size">For a real image: its size as displayed.</param>
public sealed record HostileCase(string Name, byte[] Body, ErrorCode? Error, string ContentType, ImageFormat? Format = null, Size? Size = null)
{
    /// <summary>True when the body is a real image that must be converted.</summary>
    public bool IsImage => Error is null;

    /// <summary>The HTTP status a client must get for it.</summary>
    public int Status => Error is { } code ? ErrorCodes.HttpStatus(code) : 200;

    /// <summary>The wire name of <see cref="Error"/>.</summary>
    public string? Code => Error is { } code ? ErrorCodes.Name(code) : null;

    /// <summary>True for a small body that would cost a decoder far more memory or time than its size suggests.</summary>
    public bool IsBomb { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// Hostile input, all generated here (nothing downloaded): empty and random bodies, random
/// bytes behind real magic numbers, valid images of every format truncated at many offsets,
/// headers declaring huge dimensions (one a PNG whose zlib data really inflates to 400 MP),
/// a JPEG of thousands of scans, formats we do not read (animated
/// GIF, SVG, HTML, PDF, MP4), HEIF files whose size property lies or whose grid has thousands
/// of tiles, and awkward valid images (16-bit, alpha, CMYK, progressive, EXIF, a rotated HEIC
/// grid, a lying Content-Type). Every body is under the API's inline limit, so each case has
/// one outcome on every path.
/// </summary>
public static class HostileCorpus
{
    private const string Binary = "application/octet-stream";
    private static readonly Lazy<IReadOnlyDictionary<string, HostileCase>> Cases = new(Build);

    /// <summary>Every case, by name.</summary>
    public static IReadOnlyDictionary<string, HostileCase> All => Cases.Value;

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static HostileCase Get(string name) => All[name];

    /// <summary>64×48 colour images in every format and variant the service reads: the seeds of truncation.</summary>
    private static IReadOnlyList<(string Name, byte[] Bytes, ImageFormat Format)> ValidImages() =>
    [
        ("jpeg", TestImages.Jpeg(), ImageFormat.Jpeg),
        ("jpeg-progressive", TestImages.ProgressiveJpeg(), ImageFormat.Jpeg),
        ("png", TestImages.Png(), ImageFormat.Png),
        ("png-alpha", TestImages.AlphaPng(), ImageFormat.Png),
        ("webp-lossless", TestImages.WebP(), ImageFormat.WebP),
        ("webp-lossy", TestImages.WebP(quality: 80), ImageFormat.WebP),
        ("bmp", TestImages.Bmp(), ImageFormat.Bmp),
        ("tiff", TestImages.Tiff(), ImageFormat.Tiff),
        ("heic", SmallPhoto.Heic, ImageFormat.Heic),
        ("avif", SmallPhoto.Avif, ImageFormat.Avif),
        ("jxl", SmallPhoto.Jxl, ImageFormat.JpegXl),
    ];

    /// <summary>64×48 photos from the real encoders (heif-enc, avifenc, cjxl), made once.</summary>
    private static class SmallPhoto
    {
        private static readonly byte[] Png = TestImages.Png();
        public static readonly byte[] Heic = EncodedPhotos.Heic(Png);
        public static readonly byte[] Avif = EncodedPhotos.Avif(Png);
        public static readonly byte[] Jxl = EncodedPhotos.Jxl(Png);
        public static readonly HeifFiles.CodedImage HeicImage = HeifFiles.Primary(Heic);
        public static readonly HeifFiles.CodedImage AvifImage = HeifFiles.Primary(Avif);
    }

    /// <summary>
    /// The seed of a fuzz run: a fixed one, so the suite is deterministic and a CI failure
    /// reproduces; set PIPELINE_FUZZ_SEED (e.g. to $RANDOM) to explore other variants.
    /// </summary>
    public static int FuzzSeed() =>
        int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_FUZZ_SEED"), out var seed) ? seed : 20261124;

    /// <summary>
    /// <paramref name="count"/> variants of the small valid images (every format, each in turn),
    /// the same ones for the same <paramref name="seed"/>: bytes overwritten anywhere, bits
    /// flipped in the headers, truncations, splices of two images and repeated ranges. Half
    /// have their PNG CRCs and RIFF size repaired, so the damage reaches the decoders instead
    /// of stopping at the container checks.
    /// </summary>
    public static IEnumerable<Mutant> Mutants(int seed, int count)
    {
        var sources = All.Values
            .Where(c => c.IsImage && c.ContentType == c.Format?.MediaType())
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var source = sources[i % sources.Count];
            var other = sources[random.Next(sources.Count)];
            var (body, how) = Mutate(random, source.Body, other);
            bool repair = random.Next(2) == 0;
            if (repair)
                RepairContainer(body);
            yield return new Mutant(i, $"{source.Name}: {how}{(repair ? ", container repaired" : "")}", body);
        }
    }

    private static (byte[] Body, string How) Mutate(Random random, byte[] a, HostileCase other)
    {
        var b = other.Body;
        switch (random.Next(5))
        {
            case 0:
            {
                var body = a.ToArray();
                int n = 1 + random.Next(8);
                for (int k = 0; k < n; k++)
                    body[random.Next(body.Length)] = (byte)random.Next(256);
                return (body, $"{n} bytes overwritten");
            }
            case 1:
            {
                var body = a.ToArray();
                int n = 1 + random.Next(4);
                for (int k = 0; k < n; k++)
                    body[random.Next(Math.Min(64, body.Length))] ^= (byte)(1 << random.Next(8));
                return (body, $"{n} header bits flipped");
            }
            case 2:
            {
                int cut = random.Next(1, a.Length);
                return (a[..cut], $"cut at {cut}");
            }
            case 3:
            {
                int head = random.Next(1, a.Length), tail = random.Next(b.Length);
                return ([.. a.AsSpan(0, head), .. b.AsSpan(tail)], $"first {head} bytes + {other.Name} from {tail}");
            }
            default:
            {
                int at = random.Next(a.Length), length = random.Next(1, Math.Min(256, a.Length - at) + 1), to = random.Next(a.Length);
                return ([.. a.AsSpan(0, to), .. a.AsSpan(at, length), .. a.AsSpan(to)], $"bytes {at}+{length} repeated at {to}");
            }
        }
    }

    /// <summary>Rewrites every complete PNG chunk's CRC, or a WebP's RIFF size, to match the bytes.</summary>
    public static void RepairContainer(byte[] body)
    {
        if (body.AsSpan().StartsWith(PngMagic))
        {
            long pos = PngMagic.Length;
            while (pos + 12 <= body.Length)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan((int)pos));
                if (pos + 12 + length > body.Length)
                    break;
                var crc = Crc32.HashToUInt32(body.AsSpan((int)pos + 4, (int)length + 4));
                BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan((int)(pos + 8 + length)), crc);
                pos += 12 + length;
            }
        }
        else if (body.Length >= 12 && body.AsSpan().StartsWith("RIFF"u8))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), (uint)(body.Length - 8));
        }
    }

    private static Dictionary<string, HostileCase> Build()
    {
        var cases = new List<HostileCase>
        {
            new("empty", [], ErrorCode.EmptyBody, Binary),
            new("gif-animated", AnimatedGif(), ErrorCode.UnsupportedMediaType, "image/gif"),
            new("svg", Encoding.UTF8.GetBytes("""<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="100%" height="100%"/></svg>"""), ErrorCode.UnsupportedMediaType, "image/svg+xml"),
            new("svg-bom-indented", [0xEF, 0xBB, 0xBF, .. "\n  <svg xmlns=\"http://www.w3.org/2000/svg\"/>"u8], ErrorCode.UnsupportedMediaType, "image/svg+xml"),
            new("html", "<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"u8.ToArray(), ErrorCode.UnsupportedMediaType, "text/html"),
            new("pdf", "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"u8.ToArray(), ErrorCode.UnsupportedMediaType, "application/pdf"),
            new("heic-ftyp", [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8], ErrorCode.CorruptImage, "image/heic"),
            new("mp4-ftyp", [0, 0, 0, 24, .. "ftypisom"u8, 0, 0, 2, 0, .. "isomiso2"u8, 0, 0, 0, 8, .. "free"u8], ErrorCode.UnsupportedMediaType, "video/mp4"),
            new("heic-ispe-30000x30000", HeifFiles.Write([SmallPhoto.HeicImage], new HeifFiles.Layout { Size = (30000, 30000) }), ErrorCode.TooManyPixels, "image/heic") { IsBomb = true },
            // libheif 1.15 would decode the 64x48 stream as it is; the converter compares it with the container.
            new("heic-ispe-larger-than-its-stream", HeifFiles.Write([SmallPhoto.HeicImage], new HeifFiles.Layout { Size = (128, 96) }), ErrorCode.CorruptImage, "image/heic"),
            new("heic-grid-1600-tiles", HeifFiles.Write([.. Enumerable.Repeat(SmallPhoto.HeicImage, 1600)], new HeifFiles.Layout { Grid = (40, 40) }), ErrorCode.UnsupportedMediaType, "image/heic") { IsBomb = true },
            new("avif-grid-tiles-short-of-output", HeifFiles.Write([.. Enumerable.Repeat(SmallPhoto.AvifImage, 4)], new HeifFiles.Layout { Grid = (2, 2), Size = (200, 96) }), ErrorCode.CorruptImage, "image/avif"),
            new("heic-grid-rotated", HeifFiles.Write([.. Enumerable.Repeat(SmallPhoto.HeicImage, 4)], new HeifFiles.Layout { Grid = (2, 2), QuarterTurns = 1, Size = (100, 80) }), null, "image/heic", ImageFormat.Heic, new Size(80, 100)),
            new("jpeg-sof-30000x30000", WithJpegSize(TestImages.Jpeg(), 30000, 30000), ErrorCode.TooManyPixels, "image/jpeg") { IsBomb = true },
            new("jpeg-sof-0x48", WithJpegSize(TestImages.Jpeg(), 0, 48), ErrorCode.CorruptImage, "image/jpeg"),
            new("png-ihdr-40000x40000", WithPngSize(TestImages.Png(), 40000, 40000), ErrorCode.TooManyPixels, "image/png") { IsBomb = true },
            new("png-20000x20000-zero-rows", ZeroRowsPng(20000, 20000), ErrorCode.TooManyPixels, "image/png") { IsBomb = true },
            new("webp-vp8x-16384x16384", WebPCanvas(16384, 16384), ErrorCode.TooManyPixels, "image/webp") { IsBomb = true },
            new("tiff-ifd-30000x30000", WithTiffSize(TestImages.Tiff(), 30000, 30000), ErrorCode.TooManyPixels, "image/tiff") { IsBomb = true },
            new("bmp-header-30000x30000", WithBmpSize(TestImages.Bmp(), 30000, 30000), ErrorCode.CorruptImage, "image/bmp") { IsBomb = true },
            new("jpeg-progressive-2000-scans", ManyScansJpeg(2000, 1500, 2000), ErrorCode.CorruptImage, "image/jpeg") { IsBomb = true },
            new("jpeg-labelled-png", TestImages.Jpeg(), null, "image/png", ImageFormat.Jpeg, new Size(64, 48)),
            new("jpeg-labelled-text", TestImages.Jpeg(), null, "text/plain", ImageFormat.Jpeg, new Size(64, 48)),
            new("jpeg-trailing-garbage", [.. TestImages.Jpeg(), .. "<?php system($_GET['c']); ?>"u8], null, "image/jpeg", ImageFormat.Jpeg, new Size(64, 48)),
            new("jpeg-cmyk", CmykJpeg(64, 48), null, "image/jpeg", ImageFormat.Jpeg, new Size(64, 48)),
            new("jpeg-gray", TestImages.GrayJpeg(), null, "image/jpeg", ImageFormat.Jpeg, new Size(64, 48)),
            new("jpeg-exif-rotated", TestImages.ExifOrientedJpeg(64, 48, 6), null, "image/jpeg", ImageFormat.Jpeg, new Size(48, 64)),
            new("jpeg-exif-ifd-loop", ExifLoopJpeg(), null, "image/jpeg", ImageFormat.Jpeg, new Size(64, 48)),
            new("png-16bit", TestImages.Png16(), null, "image/png", ImageFormat.Png, new Size(64, 48)),
            new("png-16bit-alpha", Png16Alpha(), null, "image/png", ImageFormat.Png, new Size(64, 48)),
            // Read differently by a lenient reader and by libtiff: 8x8 to the one, 7000x7000 RGBA16 (392 MB) to the other.
            new("tiff-size-tags-repeated", TiffBuilder.Zeros(7000, 7000, 16, 4, TiffBuilder.SizeTags.RepeatedThenEight), ErrorCode.CorruptImage, "image/tiff") { IsBomb = true },
            new("tiff-size-tags-long8", TiffBuilder.Zeros(7000, 7000, 16, 4, TiffBuilder.SizeTags.Long8), ErrorCode.CorruptImage, "image/tiff") { IsBomb = true },
            // 400 zTXt chunks of 7 MB each: libpng would inflate every one (12 s); it never sees them.
            new("png-400-ztxt-chunks", PngWithTextBombs(TestImages.Png(64, 64), 400, 7_000_000), null, "image/png", ImageFormat.Png, new Size(64, 64)),
        };
        foreach (var (name, bytes, format) in ValidImages())
            cases.Add(new(name, bytes, null, format.MediaType(), format, new Size(64, 48)));

        var random = new Random(20240611);
        foreach (var length in new[] { 1, 2, 7, 100, 4096, 65536 })
            cases.Add(new($"random-{length}", RandomBytes(random, length), ErrorCode.UnsupportedMediaType, Binary));
        foreach (var length in new[] { 16, 4096 })
        {
            cases.Add(new($"random-behind-jpeg-magic-{length}", [.. JpegMagic, .. RandomBytes(random, length)], ErrorCode.CorruptImage, Binary));
            cases.Add(new($"random-behind-png-magic-{length}", [.. PngMagic, .. RandomBytes(random, length)], ErrorCode.CorruptImage, Binary));
            cases.Add(new($"random-behind-webp-magic-{length}", [.. WebPMagic(length), .. RandomBytes(random, length)], ErrorCode.CorruptImage, Binary));
        }

        foreach (var (name, bytes, format) in ValidImages().Where(v => v.Name is not ("png-alpha" or "webp-lossy")))
        {
            foreach (var cut in TruncationOffsets(bytes.Length))
            {
                var error = cut < RecognisedFrom(format) ? ErrorCode.UnsupportedMediaType : ErrorCode.CorruptImage;
                cases.Add(new($"{name}-cut-{cut}-of-{bytes.Length}", bytes[..cut], error, format.MediaType()));
            }
        }
        return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    private static byte[] JpegMagic => [0xFF, 0xD8, 0xFF];

    private static byte[] PngMagic => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A RIFF/WEBP header whose size is right for <paramref name="payload"/> bytes after it.</summary>
    private static byte[] WebPMagic(int payload)
    {
        var header = "RIFF\0\0\0\0WEBP"u8.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(4 + payload));
        return header;
    }

    /// <summary>How many leading bytes it takes before a prefix of <paramref name="format"/> is recognised as that format at all.</summary>
    private static int RecognisedFrom(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => 3,
        ImageFormat.Png => 8,
        ImageFormat.WebP => 12,
        ImageFormat.Bmp => 26, // "BM" alone is too common a start of text to call a bitmap
        ImageFormat.Heic or ImageFormat.Avif => 12, // size, "ftyp" and the brand
        ImageFormat.JpegXl => 2, // a bare codestream's FF 0A
        _ => 4,
    };

    /// <summary>Cuts inside the magic, the headers, the data and the trailer.</summary>
    private static IEnumerable<int> TruncationOffsets(int length) =>
        new[] { 1, 2, 3, 4, 8, 12, 16, 26, 40, 64, length / 4, length / 2, length * 3 / 4, length - 16, length - 2, length - 1 }
            .Where(cut => cut > 0 && cut < length)
            .Distinct()
            .Order();

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The JPEG with its frame header (SOFn) patched to declare <paramref name="width"/>×<paramref name="height"/>.</summary>
    private static byte[] WithJpegSize(byte[] jpeg, ushort width, ushort height)
    {
        var patched = jpeg.ToArray();
        int pos = 2;
        while (pos + 4 <= patched.Length && patched[pos] == 0xFF)
        {
            byte marker = patched[pos + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(patched.AsSpan(pos + 2));
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                BinaryPrimitives.WriteUInt16BigEndian(patched.AsSpan(pos + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(patched.AsSpan(pos + 7), width);
                return patched;
            }
            pos += 2 + length;
        }
        throw new ArgumentException("no frame header found", nameof(jpeg));
    }

    /// <summary>The PNG with its IHDR patched to declare <paramref name="width"/>×<paramref name="height"/>, CRC recomputed.</summary>
    private static byte[] WithPngSize(byte[] png, uint width, uint height)
    {
        var patched = png.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(patched.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(patched.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(patched.AsSpan(29), Crc32.HashToUInt32(patched.AsSpan(12, 17)));
        return patched;
    }

    /// <summary>The little-endian TIFF with its ImageWidth and ImageLength tags patched.</summary>
    private static byte[] WithTiffSize(byte[] tiff, ushort width, ushort height)
    {
        // The size tags, and the rows per strip so that the strips the file has cover the
        // claimed height: a header a strict reader accepts, which only the pixel limit refuses.
        var patched = tiff.ToArray();
        int ifd = BinaryPrimitives.ReadInt32LittleEndian(patched.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(ifd));
        var at = new Dictionary<ushort, int>();
        for (int entry = ifd + 2; entry < ifd + 2 + 12 * entries; entry += 12)
            at[BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(entry))] = entry;
        int strips = BinaryPrimitives.ReadInt32LittleEndian(patched.AsSpan(at[273] + 4));
        // SHORT or LONG values: the low bytes come first.
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(at[256] + 8), width);
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(at[257] + 8), height);
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(at[278] + 8), (uint)((height + strips - 1) / strips));
        return patched;
    }

    /// <summary>The BMP with its BITMAPINFOHEADER patched to declare <paramref name="width"/>×<paramref name="height"/>.</summary>
    private static byte[] WithBmpSize(byte[] bmp, int width, int height)
    {
        var patched = bmp.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(patched.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(patched.AsSpan(22), height);
        return patched;
    }

    /// <summary>
    /// A real 8-bit grayscale PNG of <paramref name="width"/>×<paramref name="height"/> black
    /// pixels: its IDAT is the zlib stream of every row (filter byte and zeros), so a decoder
    /// that got past the header would inflate width×height bytes from a body a thousand times smaller.
    /// </summary>
    public static byte[] ZeroRowsPng(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + width];
            for (int y = 0; y < height; y++)
                zlib.Write(row);
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8; // bit depth; colour type 0 (gray), deflate, filter 0, no interlace
        using var png = new MemoryStream();
        png.Write(PngMagic);
        WritePngChunk(png, "IHDR", ihdr);
        WritePngChunk(png, "IDAT", idat.ToArray());
        WritePngChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Writes a PNG chunk: length, type, data and the CRC of type and data.</summary>
    internal static void WritePngChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.Write(length);
        var typeAndData = (byte[])[.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }

    /// <summary>
    /// A JPEG whose EXIF directory claims 65535 entries and names itself as the next
    /// directory: a reader that trusts either reads out of bounds or loops for ever.
    /// </summary>
    private static byte[] ExifLoopJpeg()
    {
        var jpeg = TestImages.WithExifOrientation(TestImages.Jpeg(), 1);
        int tiff = jpeg.AsSpan().IndexOf("Exif\0\0"u8) + 6;
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(tiff + 8), 0xFFFF); // entry count
        BinaryPrimitives.WriteUInt32BigEndian(jpeg.AsSpan(tiff + 22), 8);     // next IFD: itself
        return jpeg;
    }

    /// <summary>
    /// A VP8X (extended) WebP whose canvas is <paramref name="width"/>×<paramref name="height"/>,
    /// around a lossless frame whose header claims the same size (its data is a 64×48 image's).
    /// </summary>
    private static byte[] WebPCanvas(int width, int height)
    {
        var frame = TestImages.WebP(); // RIFF size WEBP VP8L size 0x2F bits...
        var vp8l = frame.AsSpan(12).ToArray();
        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(vp8l.AsSpan(9));
        bits = (bits & 0xF000_0000) | (uint)(width - 1) | (uint)(height - 1) << 14;
        BinaryPrimitives.WriteUInt32LittleEndian(vp8l.AsSpan(9), bits);
        var vp8x = new byte[18];
        "VP8X"u8.CopyTo(vp8x);
        BinaryPrimitives.WriteUInt32LittleEndian(vp8x.AsSpan(4), 10);
        WriteUInt24(vp8x.AsSpan(12), width - 1);
        WriteUInt24(vp8x.AsSpan(15), height - 1);
        var chunks = (byte[])[.. vp8x, .. vp8l];
        return [.. WebPMagic(chunks.Length), .. chunks];
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }

    /// <summary>
    /// <paramref name="png"/> with <paramref name="count"/> zTXt chunks after its IHDR, each the
    /// same compressed text that inflates to <paramref name="inflatedBytes"/> bytes.
    /// </summary>
    public static byte[] PngWithTextBombs(byte[] png, int count, int inflatedBytes)
    {
        using var compressed = new MemoryStream();
        compressed.Write("Comment\0\0"u8); // keyword, its terminator, compression method 0
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(new byte[inflatedBytes]);
        using var chunk = new MemoryStream();
        WritePngChunk(chunk, "zTXt", compressed.ToArray());
        const int AfterIhdr = 8 + 12 + 13;
        using var result = new MemoryStream();
        result.Write(png.AsSpan(0, AfterIhdr));
        for (int i = 0; i < count; i++)
            result.Write(chunk.GetBuffer().AsSpan(0, (int)chunk.Length));
        result.Write(png.AsSpan(AfterIhdr));
        return result.ToArray();
    }

    /// <summary>An RGBA PNG with 16 bits a sample and a transparent right half.</summary>
    public static byte[] Png16Alpha(int width = 64, int height = 48)
    {
        using var bgra = TestImages.AlphaMat(width, height);
        using var wide = new Mat();
        bgra.ConvertTo(wide, MatType.CV_16UC4, 257);
        return TestImages.Encode(wide, ".png");
    }

    /// <summary>
    /// A GIF89a of two 1×1 frames (black, then white) that loops forever, written by hand:
    /// each frame's LZW data is clear code, one pixel, end code.
    /// </summary>
    private static byte[] AnimatedGif() =>
    [
        .. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0,               // 1×1 screen, global table of 2 colours
        0, 0, 0, 255, 255, 255,                               // black, white
        0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 0,    // loop forever
        0x21, 0xF9, 4, 0, 10, 0, 0, 0,                        // frame 1: 100 ms
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, // codes 4 (clear), 0, 5 (end)
        0x21, 0xF9, 4, 0, 10, 0, 0, 0,                        // frame 2: 100 ms
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, // codes 4 (clear), 1, 5 (end)
        0x3B,
    ];

    /// <summary>
    /// A progressive grayscale JPEG whose last scan is repeated <paramref name="extraScans"/>
    /// times: a few bytes each, and each makes the decoder pass over every block again.
    /// </summary>
    public static byte[] ManyScansJpeg(int width, int height, int extraScans)
    {
        using var gray = new Mat(height, width, MatType.CV_8UC1, new Scalar(128));
        var jpeg = TestImages.Encode(gray, ".jpg", (int)ImwriteFlags.JpegProgressive, 1);
        // FF DA never occurs inside entropy-coded data, so the last one starts the last scan.
        var lastScan = jpeg[jpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA])..^2];
        using var many = new MemoryStream();
        many.Write(jpeg.AsSpan(0, jpeg.Length - 2));
        for (int i = 0; i < extraScans; i++)
            many.Write(lastScan);
        many.Write([0xFF, 0xD9]);
        return many.ToArray();
    }

    /// <summary>
    /// A four-component (CMYK) baseline JPEG of <see cref="TestImages.ColourMat"/>, as Photoshop writes them
    /// (Adobe APP14, inverted values), built from OpenCV's encoder, which writes no CMYK: each
    /// plane is encoded as a one-component JPEG, and the four scans are spliced into one frame
    /// as non-interleaved scans, each with its own quantisation and Huffman tables.
    /// </summary>
    private static byte[] CmykJpeg(int width, int height)
    {
        // Inverted CMYK with K = 0 (stored 255): the C, M, Y planes hold R, G and B.
        using var bgr = TestImages.ColourMat(width, height);
        var bgrPlanes = bgr.Split();
        using var k = new Mat(bgr.Size(), MatType.CV_8UC1, new Scalar(255));
        var planes = new[] { bgrPlanes[2], bgrPlanes[1], bgrPlanes[0], k }
            .Select(p => JpegSegments(TestImages.Encode(p, ".jpg", (int)ImwriteFlags.JpegQuality, 95)))
            .ToList();
        foreach (var plane in bgrPlanes)
            plane.Dispose();

        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        WriteSegment(jpeg, 0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, 0]); // transform 0: no colour transform
        for (int i = 0; i < 4; i++)
        {
            foreach (var dqt in planes[i].Where(s => s.Marker == 0xDB))
                WriteSegment(jpeg, 0xDB, [(byte)((dqt.Payload[0] & 0xF0) | i), .. dqt.Payload.AsSpan(1)]);
        }
        var frame = planes[0].Single(s => s.Marker == 0xC0).Payload;
        byte[] sof = [frame[0], frame[1], frame[2], frame[3], frame[4], 4];
        for (int i = 0; i < 4; i++)
            sof = [.. sof, (byte)(i + 1), 0x11, (byte)i];
        WriteSegment(jpeg, 0xC0, sof);
        for (int i = 0; i < 4; i++)
        {
            foreach (var dht in planes[i].Where(s => s.Marker == 0xC4))
                WriteSegment(jpeg, 0xC4, dht.Payload);
            var scan = planes[i].Single(s => s.Marker == 0xDA);
            WriteSegment(jpeg, 0xDA, [1, (byte)(i + 1), 0x00, 0, 63, 0]);
            jpeg.Write(scan.EntropyCoded);
        }
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    private sealed record JpegSegment(byte Marker, byte[] Payload, byte[] EntropyCoded);

    /// <summary>The marker segments of a baseline JPEG up to its one scan, whose entropy-coded data runs to the final EOI.</summary>
    private static List<JpegSegment> JpegSegments(byte[] jpeg)
    {
        var segments = new List<JpegSegment>();
        int pos = 2;
        while (true)
        {
            byte marker = jpeg[pos + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 2));
            var payload = jpeg[(pos + 4)..(pos + 2 + length)];
            pos += 2 + length;
            if (marker == 0xDA)
            {
                segments.Add(new(marker, payload, jpeg[pos..^2]));
                return segments;
            }
            segments.Add(new(marker, payload, []));
        }
    }

    private static void WriteSegment(Stream jpeg, byte marker, byte[] payload)
    {
        jpeg.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        jpeg.Write(payload);
    }
}

/// <summary>A mutated valid image from <see cref="HostileCorpus.Mutants"/>.</summary>
/// <param name="Index">Its place in the run.</param>
/// <param name="Description">How it was made, for a failure message.</param>
/// <param name="Body">The bytes.</param>
public sealed record Mutant(int Index, string Description, byte[] Body)
{
    /// <inheritdoc/>
    public override string ToString() => $"#{Index} {Description}";
}
