using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a JPEG's segments up to its first scan, then walks the rest to the end-of-image marker.
/// Strict where decoders are lenient: one frame header, of a kind both decoders read the same
/// way (Huffman or arithmetic, 8-bit, 1, 3 or 4 components); no DNL (a height defined after
/// the data); at most <see cref="MaxSegments"/> segments and <see cref="MaxScans"/> scans; the
/// end-of-image marker present (a decoder fills a truncated image with grey instead of failing).
/// </summary>
internal static class JpegReader
{
    private const string Name = "JPEG";

    /// <summary>
    /// Each scan of a progressive JPEG is a pass over every block of the image, so a small file
    /// of thousands of scans keeps the decoder busy for minutes; encoders write about ten.
    /// </summary>
    public const int MaxScans = 100;

    /// <summary>
    /// Segments (APPn, COM, tables…) in the whole file. A camera's JPEG has about 15 and a
    /// progressive one about 40; each costs a decoder a little work, so a file of a million
    /// empty ones must not reach it.
    /// </summary>
    public const int MaxSegments = 1000;

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        int pos = 2, segments = 0;
        Frame? frame = null;
        int orientation = 1;
        bool sawApp1 = false, sawProfile = false;
        while (true)
        {
            byte marker = NextSegment(data, ref pos, out int length);
            var payload = data.Slice(pos + 2, length - 2);
            if (++segments > MaxSegments)
                throw Inspection.Corrupt(Name, $"it has more than {MaxSegments} segments");
            if (IsFrame(marker))
            {
                if (frame is not null)
                    throw Inspection.Corrupt(Name, "it has two frame headers");
                frame = ReadFrame(marker, payload);
            }
            else if (marker == 0xE1 && !sawApp1)
            {
                sawApp1 = true; // the first APP1 is where Exif is looked for
                if (payload.StartsWith("Exif\0\0"u8))
                    orientation = ExifReader.OrientationOfBlock(payload);
            }
            else if (marker == 0xE2 && payload.StartsWith("ICC_PROFILE\0"u8))
            {
                sawProfile = true;
            }
            else if (marker == 0xDC)
            {
                throw Inspection.Unsupported("A JPEG whose height is given after its image data (a DNL marker)");
            }
            else if (marker == 0xDA)
            {
                if (frame is not { } f)
                    throw Inspection.Corrupt(Name, "the image data starts before the frame header");
                WalkScans(data, pos + length, segments);
                return Inspection.Checked(ImageFormat.Jpeg, f.Width, f.Height, Name) with
                {
                    Channels = f.Components == 1 ? 1 : 3, // CMYK decodes to colour
                    Components = f.Components,
                    Progressive = f.Progressive,
                    Orientation = orientation,
                    StoredSamplesPerPixel = f.Samples,
                    LumaTranscodable = f.LumaTranscodable,
                    ColourTagged = sawProfile || f.Components == 4,
                };
            }
            pos += length;
        }
    }

    /// <summary>SOFn: C0–CF less DHT (C4), JPG (C8) and DAC (CC).</summary>
    private static bool IsFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    /// <summary>
    /// The marker at <paramref name="pos"/> and its segment's <paramref name="length"/> (checked to
    /// lie inside the data); moves <paramref name="pos"/> to the segment's length field.
    /// Standalone markers (no length) are stepped over.
    /// </summary>
    private static byte NextSegment(ReadOnlySpan<byte> data, ref int pos, out int length)
    {
        while (true)
        {
            if (pos >= data.Length || data[pos] != 0xFF)
                throw Inspection.Corrupt(Name, "a marker is missing before the image data");
            while (pos < data.Length && data[pos] == 0xFF)
                pos++; // fill bytes
            if (pos >= data.Length)
                throw Inspection.Corrupt(Name, "it ends inside a marker");
            byte marker = data[pos++];
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
                continue; // restart markers and TEM carry no length
            if (marker is 0xD8 or 0xD9)
                throw Inspection.Corrupt(Name, marker == 0xD9 ? "it ends before any image data" : "a second start-of-image marker precedes the image data");
            if (pos + 2 > data.Length)
                throw Inspection.Corrupt(Name, "it ends inside a segment header");
            length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2 || pos + length > data.Length)
                throw Inspection.Corrupt(Name, "a segment runs past the end of the data");
            return marker;
        }
    }

    private readonly record struct Frame(int Width, int Height, int Components, bool Progressive, double Samples, bool LumaTranscodable);

    private static Frame ReadFrame(byte marker, ReadOnlySpan<byte> payload)
    {
        // SOF0-2: Huffman baseline, extended, progressive; SOF9-10: the same, arithmetic-coded.
        // Lossless and hierarchical JPEGs (SOF3, 5-7, 11, 13-15) are rare and read differently.
        if (marker is not (0xC0 or 0xC1 or 0xC2 or 0xC9 or 0xCA))
            throw Inspection.Unsupported("A lossless or hierarchical JPEG");
        if (payload.Length < 6)
            throw Inspection.Corrupt(Name, "the frame header is too short");
        int precision = payload[0];
        int height = BinaryPrimitives.ReadUInt16BigEndian(payload[1..]);
        int width = BinaryPrimitives.ReadUInt16BigEndian(payload[3..]);
        int components = payload[5];
        if (precision != 8)
            throw Inspection.Unsupported($"A JPEG of {precision}-bit samples");
        if (components is not (1 or 3 or 4))
            throw Inspection.Unsupported($"A JPEG of {components} components");
        if (payload.Length != 6 + 3 * components)
            throw Inspection.Corrupt(Name, "the frame header's length does not match its components");
        if (height == 0)
            throw Inspection.Unsupported("A JPEG whose height is given after its image data (a DNL marker)");

        int maxH = 1, maxV = 1;
        for (int i = 0; i < components; i++)
        {
            byte factors = payload[6 + 3 * i + 1];
            int h = factors >> 4, v = factors & 0x0F;
            if (h is < 1 or > 4 || v is < 1 or > 4)
                throw Inspection.Corrupt(Name, $"a component's sampling factors are {h}x{v}");
            maxH = Math.Max(maxH, h);
            maxV = Math.Max(maxV, v);
        }
        double samples = 0;
        for (int i = 0; i < components; i++)
        {
            byte factors = payload[6 + 3 * i + 1];
            samples += (double)(factors >> 4) * (factors & 0x0F) / (maxH * maxV);
        }
        byte luma = payload[6 + 1];
        bool lumaFull = luma >> 4 == maxH && (luma & 0x0F) == maxV;
        bool progressive = marker is 0xC2 or 0xCA;
        // Huffman-coded, luma alone or luma at full resolution with two more components.
        bool transcodable = marker is 0xC0 or 0xC1 or 0xC2 && components is 1 or 3 && lumaFull;
        return new Frame(width, height, components, progressive, samples, transcodable);
    }

    /// <summary>
    /// Walks the rest of a JPEG from its first scan's data to the end-of-image marker, counting
    /// scans and segments. Entropy-coded data holds no markers (FF is stuffed as FF 00; FF D0–D7
    /// are restarts), so every other FF xx starts a segment, which is skipped by its length.
    /// </summary>
    private static void WalkScans(ReadOnlySpan<byte> data, int pos, int segments)
    {
        int scans = 1;
        while (true)
        {
            int next = data[pos..].IndexOf((byte)0xFF);
            if (next < 0)
                throw Inspection.Corrupt(Name, "the end-of-image marker is missing");
            pos += next + 1;
            while (pos < data.Length && data[pos] == 0xFF)
                pos++;
            if (pos >= data.Length)
                throw Inspection.Corrupt(Name, "the end-of-image marker is missing");
            byte marker = data[pos++];
            if (marker is 0x00 or >= 0xD0 and <= 0xD7)
                continue;
            if (marker == 0xD9)
                return;
            if (pos + 2 > data.Length || pos + BinaryPrimitives.ReadUInt16BigEndian(data[pos..]) > data.Length)
                throw Inspection.Corrupt(Name, "a segment runs past the end of the data");
            if (IsFrame(marker) || marker is 0xD8 or 0xDC)
                throw Inspection.Corrupt(Name, "a frame header or DNL marker follows the image data");
            if (marker == 0xDA && ++scans > MaxScans)
                throw Inspection.Corrupt(Name, $"it has {scans} scans or more, where encoders write about ten (at most {MaxScans} are accepted)");
            if (++segments > MaxSegments)
                throw Inspection.Corrupt(Name, $"it has more than {MaxSegments} segments");
            pos += BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        }
    }
}
