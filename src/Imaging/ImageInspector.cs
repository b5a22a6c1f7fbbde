using System.Buffers.Binary;
using System.Text;
using Pipeline.Errors;

namespace Pipeline.Imaging;

/// <summary>
/// Recognises an image from its bytes and reads its dimensions from the header, so limits
/// are enforced before a decoder allocates anything. It also checks that the data is
/// complete (a JPEG reaches its EOI, a PNG its IEND, a WebP its RIFF size), because
/// decoders quietly return a half-grey picture for a truncated file.
/// </summary>
public static class ImageInspector
{
    private const string Supported = "JPEG, PNG, WebP, BMP or TIFF";

    // Each scan of a progressive JPEG is a pass over every block of the image, so a small file
    // of thousands of scans keeps the decoder busy for minutes; encoders write about ten.
    private const int MaxJpegScans = 100;

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> PngMagic => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
    private static ReadOnlySpan<byte> IcoMagic => [0, 0, 1, 0];

    /// <summary>Inspects <paramref name="data"/>; throws <see cref="PipelineException"/> for anything we cannot process.</summary>
    public static ImageInfo Inspect(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            throw new PipelineException(ErrorCode.EmptyBody, $"There are no bytes to read (0 bytes); expected a {Supported} image.");

        if (data.StartsWith(JpegMagic))
            return InspectJpeg(data);
        if (data.StartsWith(PngMagic))
            return InspectPng(data);
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
            return InspectWebP(data);
        if (data.StartsWith("BM"u8) && data.Length >= 26)
            return InspectBmp(data);
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8))
            return InspectTiff(data);

        throw new PipelineException(ErrorCode.UnsupportedMediaType, DescribeUnsupported(data));
    }

    private static string DescribeUnsupported(ReadOnlySpan<byte> data)
    {
        var known = data switch
        {
            _ when data.StartsWith("GIF8"u8) => "GIF",
            _ when data.StartsWith("%PDF"u8) => "PDF",
            _ when data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8) => "BigTIFF",
            _ when data.StartsWith("8BPS"u8) => "Photoshop",
            _ when data.StartsWith(IcoMagic) => "ICO",
            _ when data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8) => Encoding.ASCII.GetString(data[8..12]).Trim() switch
            {
                "avif" or "avis" => "AVIF",
                "heic" or "heix" or "mif1" or "msf1" => "HEIC",
                _ => "ISO media",
            },
            _ when LooksLikeMarkup(data) => "SVG, HTML or XML text",
            _ => null,
        };
        return known is null
            ? $"The body is not a supported image; send {Supported}."
            : $"{known} is not supported; send {Supported}.";
    }

    private static bool LooksLikeMarkup(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(Utf8Bom))
            data = data[3..];
        var trimmed = data.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] == (byte)'<';
    }

    private static PipelineException Corrupt(string format, string what) =>
        new(ErrorCode.CorruptImage, $"The {format} image is corrupt or truncated: {what}.");

    private static ImageInfo Checked(ImageFormat format, long width, long height, bool hasAlpha, string name)
    {
        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
            throw Corrupt(name, $"its header declares {width}x{height} pixels");
        return new ImageInfo(format, (int)width, (int)height, hasAlpha);
    }

    private static ImageInfo InspectJpeg(ReadOnlySpan<byte> data)
    {
        const string Name = "JPEG";
        int pos = 2;
        int width = 0, height = 0, components = 0, orientation = 1;
        bool progressive = false, sawApp1 = false, transcodable = false;
        double samples = 0;
        while (true)
        {
            if (pos >= data.Length || data[pos] != 0xFF)
                throw Corrupt(Name, "a marker is missing before the image data");
            while (pos < data.Length && data[pos] == 0xFF)
                pos++; // fill bytes
            if (pos >= data.Length)
                throw Corrupt(Name, "it ends inside a marker");
            byte marker = data[pos++];
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
                continue; // standalone markers carry no length
            if (marker == 0xD9)
                throw Corrupt(Name, "it ends before any image data");
            if (pos + 2 > data.Length)
                throw Corrupt(Name, "it ends inside a segment header");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2 || pos + length > data.Length)
                throw Corrupt(Name, "a segment runs past the end of the data");
            var payload = data.Slice(pos + 2, length - 2);

            bool isFrame = marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
            if (isFrame)
            {
                if (length < 8)
                    throw Corrupt(Name, "the frame header is too short");
                height = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 3)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]);
                components = data[pos + 7];
                progressive = marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
                (samples, bool lumaFull) = Sampling(payload, components);
                // SOF0-SOF2: Huffman-coded baseline, extended or progressive; 8-bit samples;
                // luma alone, or luma at full resolution with two more components.
                transcodable = marker is 0xC0 or 0xC1 or 0xC2 && payload[0] == 8 && components is 1 or 3 && lumaFull;
            }
            else if (marker == 0xE1 && !sawApp1)
            {
                sawApp1 = true; // the first APP1 is where decoders look for Exif
                orientation = ExifOrientation(payload);
            }
            else if (marker == 0xDA)
            {
                if (components == 0)
                    throw Corrupt(Name, "the image data starts before the frame header");
                CheckScans(data, pos + length);
                return Checked(ImageFormat.Jpeg, width, height, hasAlpha: false, Name) with
                {
                    Channels = components,
                    Progressive = progressive,
                    Orientation = orientation,
                    StoredSamplesPerPixel = samples,
                    LumaTranscodable = transcodable,
                };
            }
            pos += length;
        }
    }

    /// <summary>
    /// Samples stored per pixel over all components, from a frame header's sampling factors,
    /// and whether the first component (luma) has the highest factors in both directions.
    /// </summary>
    private static (double Samples, bool LumaFull) Sampling(ReadOnlySpan<byte> frame, int components)
    {
        const int Header = 6; // precision, height, width, component count
        if (components == 0 || frame.Length < Header + 3 * components)
            return (Math.Max(components, 1), false);
        int maxH = 1, maxV = 1;
        for (int i = 0; i < components; i++)
        {
            byte factors = frame[Header + 3 * i + 1];
            maxH = Math.Max(maxH, factors >> 4);
            maxV = Math.Max(maxV, factors & 0x0F);
        }
        double samples = 0;
        for (int i = 0; i < components; i++)
        {
            byte factors = frame[Header + 3 * i + 1];
            samples += (double)Math.Max(factors >> 4, 1) * Math.Max(factors & 0x0F, 1) / (maxH * maxV);
        }
        byte luma = frame[Header + 1];
        return (samples, luma >> 4 == maxH && (luma & 0x0F) == maxV);
    }

    /// <summary>
    /// The Orientation tag (0x0112) of IFD0 in the first APP1 segment's Exif data: 1–8; 1 when
    /// the segment is not Exif or has no such tag; 0 when it is malformed or ambiguous (a value
    /// out of range, a wrong type, the tag twice, offsets outside the segment). Every offset
    /// is checked against the segment, which is at most 65,533 bytes.
    /// </summary>
    private static int ExifOrientation(ReadOnlySpan<byte> app1)
    {
        const int TiffStart = 6;
        if (!app1.StartsWith("Exif\0\0"u8))
        {
            // Some decoders read a TIFF header here whatever the prefix says: call that unclear.
            bool tiffLike = app1.Length >= TiffStart + 2 && (app1[TiffStart..].StartsWith("II"u8) || app1[TiffStart..].StartsWith("MM"u8));
            return tiffLike ? 0 : 1;
        }
        var data = app1[TiffStart..];
        bool little = data.StartsWith("II"u8);
        if (!little && !data.StartsWith("MM"u8))
            return 0;
        var tiff = new TiffReader(data, little); // reads out of range as -1
        if (tiff.U16(2) != 42)
            return 0;
        long ifd = tiff.U32(4);
        int count = tiff.U16(ifd);
        if (ifd < 8 || count < 0 || ifd + 2 + 12L * count > data.Length)
            return 0;
        int orientation = 1;
        bool seen = false;
        for (int i = 0; i < count; i++)
        {
            long entry = ifd + 2 + 12L * i;
            if (tiff.U16(entry) != 0x0112)
                continue;
            int value = tiff.U16(entry + 8);
            if (seen || tiff.U16(entry + 2) != 3 || tiff.U32(entry + 4) != 1 || value is < 1 or > 8)
                return 0; // SHORT, count 1, 1-8 is the only reading every decoder agrees on
            seen = true;
            orientation = value;
        }
        return orientation;
    }

    /// <summary>
    /// Walks the rest of a JPEG from its first scan's data to the end-of-image marker: it must
    /// be there (a decoder fills a truncated image with grey instead of failing) and the scans
    /// must be few (each is another pass over every block of the image, at ~20 bytes a scan).
    /// Entropy-coded data holds no markers (FF is stuffed as FF 00; FF D0-D7 are restarts), so
    /// every other FF xx starts a segment, which is skipped by its length.
    /// </summary>
    private static void CheckScans(ReadOnlySpan<byte> data, int pos)
    {
        const string Name = "JPEG";
        int scans = 1;
        while (true)
        {
            int next = data[pos..].IndexOf((byte)0xFF);
            if (next < 0)
                throw Corrupt(Name, "the end-of-image marker is missing");
            pos += next + 1;
            while (pos < data.Length && data[pos] == 0xFF)
                pos++;
            if (pos >= data.Length)
                throw Corrupt(Name, "the end-of-image marker is missing");
            byte marker = data[pos++];
            if (marker is 0x00 or >= 0xD0 and <= 0xD7)
                continue;
            if (marker == 0xD9)
                return;
            if (pos + 2 > data.Length || pos + BinaryPrimitives.ReadUInt16BigEndian(data[pos..]) > data.Length)
                throw Corrupt(Name, "a segment runs past the end of the data");
            if (marker == 0xDA && ++scans > MaxJpegScans)
                throw Corrupt(Name, $"it has {scans} scans or more, where encoders write about ten (at most {MaxJpegScans} are accepted)");
            pos += BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        }
    }

    private static ImageInfo InspectPng(ReadOnlySpan<byte> data)
    {
        const string Name = "PNG";
        if (data.Length < 33 || !data[12..16].SequenceEqual("IHDR"u8) || BinaryPrimitives.ReadUInt32BigEndian(data[8..]) != 13)
            throw Corrupt(Name, "the IHDR header is missing");
        long width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        long height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        byte bitDepth = data[24];
        byte colorType = data[25];
        if (colorType is not (0 or 2 or 3 or 4 or 6) || bitDepth is not (1 or 2 or 4 or 8 or 16))
            throw Corrupt(Name, $"colour type {colorType} with bit depth {bitDepth} is not valid");

        bool hasAlpha = colorType is 4 or 6;
        bool sawData = false;
        long pos = 8;
        while (true)
        {
            if (pos + 12 > data.Length)
                throw Corrupt(Name, "the IEND chunk is missing");
            long chunkLength = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            var type = data.Slice((int)pos + 4, 4);
            long next = pos + 12 + chunkLength;
            if (next > data.Length)
                throw Corrupt(Name, "a chunk runs past the end of the data");
            if (type.SequenceEqual("tRNS"u8))
                hasAlpha = true;
            else if (type.SequenceEqual("IDAT"u8))
                sawData = true;
            else if (type.SequenceEqual("IEND"u8))
                break;
            pos = next;
        }
        if (!sawData)
            throw Corrupt(Name, "it has no image data");
        int channels = colorType switch { 0 => 1, 4 => 2, 6 => 4, _ => 3 }; // a palette decodes to RGB
        return Checked(ImageFormat.Png, width, height, hasAlpha, Name) with { SixteenBit = bitDepth == 16, Channels = channels };
    }

    private static ImageInfo InspectWebP(ReadOnlySpan<byte> data)
    {
        const string Name = "WebP";
        long riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (8 + riffSize > data.Length)
            throw Corrupt(Name, $"the RIFF header declares {8 + riffSize} bytes but {data.Length} arrived");
        if (data.Length < 30)
            throw Corrupt(Name, "the first chunk is incomplete");
        var fourCc = data[12..16];
        var payload = data[20..];
        if (fourCc.SequenceEqual("VP8 "u8))
        {
            if (payload[3] != 0x9D || payload[4] != 0x01 || payload[5] != 0x2A)
                throw Corrupt(Name, "the VP8 start code is missing");
            int width = BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]) & 0x3FFF;
            int height = BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]) & 0x3FFF;
            return Checked(ImageFormat.WebP, width, height, hasAlpha: false, Name);
        }
        if (fourCc.SequenceEqual("VP8L"u8))
        {
            if (payload[0] != 0x2F)
                throw Corrupt(Name, "the VP8L signature is missing");
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]);
            long width = (bits & 0x3FFF) + 1;
            long height = ((bits >> 14) & 0x3FFF) + 1;
            bool alpha = ((bits >> 28) & 1) == 1;
            return Checked(ImageFormat.WebP, width, height, alpha, Name);
        }
        if (fourCc.SequenceEqual("VP8X"u8))
        {
            bool alpha = (payload[0] & 0x10) != 0;
            long width = (payload[4] | payload[5] << 8 | payload[6] << 16) + 1L;
            long height = (payload[7] | payload[8] << 8 | payload[9] << 16) + 1L;
            return Checked(ImageFormat.WebP, width, height, alpha, Name);
        }
        throw Corrupt(Name, "the first chunk is neither VP8, VP8L nor VP8X");
    }

    private static ImageInfo InspectBmp(ReadOnlySpan<byte> data)
    {
        const string Name = "BMP";
        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        long headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        }
        else if (headerSize >= 40 && data.Length >= 54)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..])); // negative = top-down
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        }
        else
        {
            throw Corrupt(Name, $"the header size {headerSize} is not valid");
        }
        var info = Checked(ImageFormat.Bmp, width, height, hasAlpha: false, Name);
        if (bitsPerPixel is not (1 or 4 or 8 or 16 or 24 or 32))
            throw Corrupt(Name, $"{bitsPerPixel} bits per pixel is not valid");
        if (compression is 0 or 3) // uncompressed: the pixel array's size is known exactly
        {
            long stride = (bitsPerPixel * width + 31) / 32 * 4;
            if (pixelOffset + stride * height > data.Length)
                throw Corrupt(Name, "the pixel data is shorter than its header declares");
        }
        return info;
    }

    private static ImageInfo InspectTiff(ReadOnlySpan<byte> data)
    {
        const string Name = "TIFF";
        var tiff = new TiffReader(data, littleEndian: data[0] == (byte)'I');
        long ifd = tiff.U32(4);
        if (ifd < 8 || ifd + 2 > data.Length)
            throw Corrupt(Name, "the first directory lies outside the data");
        int count = tiff.U16(ifd);
        if (ifd + 2 + 12L * count > data.Length)
            throw Corrupt(Name, "the first directory is incomplete");

        long width = 0, height = 0;
        bool alpha = false, sixteenBit = false;
        int channels = 0;
        (long Count, long Offset, int Type) offsets = default, byteCounts = default;
        for (int i = 0; i < count; i++)
        {
            long entry = ifd + 2 + 12L * i;
            int tag = tiff.U16(entry);
            int type = tiff.U16(entry + 2);
            long n = tiff.U32(entry + 4);
            switch (tag)
            {
                case 256: width = tiff.Scalar(entry, type); break;
                case 257: height = tiff.Scalar(entry, type); break;
                case 338: alpha = true; break; // ExtraSamples: associated or unassociated alpha
                case 258: sixteenBit = tiff.ArrayItem(entry, type, n, 0) == 16; break; // BitsPerSample
                case 277: channels = (int)tiff.Scalar(entry, type); break; // SamplesPerPixel
                case 273 or 324: offsets = (n, entry, type); break;
                case 279 or 325: byteCounts = (n, entry, type); break;
            }
        }
        var info = Checked(ImageFormat.Tiff, width, height, alpha, Name) with { Channels = channels, SixteenBit = sixteenBit };
        if (offsets.Count == 0 || offsets.Count != byteCounts.Count)
            throw Corrupt(Name, "the strip or tile tables are missing");
        for (long i = 0; i < offsets.Count; i++)
        {
            long start = tiff.ArrayItem(offsets.Offset, offsets.Type, offsets.Count, i);
            long size = tiff.ArrayItem(byteCounts.Offset, byteCounts.Type, byteCounts.Count, i);
            if (start < 0 || size < 0 || start + size > data.Length)
                throw Corrupt(Name, "image data runs past the end of the file");
        }
        return info;
    }

    /// <summary>Bounds-checked reads of TIFF's endian-dependent fields; -1 means out of range.</summary>
    private readonly ref struct TiffReader(ReadOnlySpan<byte> data, bool littleEndian)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int U16(long at) => at < 0 || at + 2 > _data.Length ? -1
            : littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(_data[(int)at..]) : BinaryPrimitives.ReadUInt16BigEndian(_data[(int)at..]);

        public long U32(long at) => at < 0 || at + 4 > _data.Length ? -1
            : littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(_data[(int)at..]) : BinaryPrimitives.ReadUInt32BigEndian(_data[(int)at..]);

        /// <summary>A SHORT (3) or LONG (4) value stored inline in a directory entry.</summary>
        public long Scalar(long entry, int type) => type == 3 ? U16(entry + 8) : U32(entry + 8);

        /// <summary>Item <paramref name="index"/> of a SHORT or LONG array, inline when it fits in 4 bytes.</summary>
        public long ArrayItem(long entry, int type, long count, long index)
        {
            int size = type == 3 ? 2 : 4;
            long baseAt = count * size <= 4 ? entry + 8 : U32(entry + 8);
            if (baseAt < 0)
                return -1;
            long at = baseAt + index * size;
            return type == 3 ? U16(at) : U32(at);
        }
    }
}
