using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a WebP's RIFF chunks. Strict where libwebp is lenient: the RIFF size must fit the data,
/// every chunk must lie inside it, an extended (VP8X) file must hold exactly one frame whose size
/// is the canvas's, and animations are refused (only the first frame would be decoded).
/// </summary>
internal static class WebPReader
{
    private const string Name = "WebP";
    private const int AnimationFlag = 0x02, AlphaFlag = 0x10;

    public static bool Matches(ReadOnlySpan<byte> data) => data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8);

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        long riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (8 + riffSize > data.Length)
            throw Inspection.Corrupt(Name, $"the RIFF header declares {8 + riffSize} bytes but {data.Length} arrived");
        if (riffSize < 4 + 8)
            throw Inspection.Corrupt(Name, "the first chunk is incomplete");
        var riff = data[..(int)(8 + riffSize)];
        int pos = 12;
        var fourCc = NextChunk(riff, ref pos, out var payload);
        if (fourCc.SequenceEqual("VP8 "u8))
            return Lossy(payload, alpha: false);
        if (fourCc.SequenceEqual("VP8L"u8))
            return Lossless(payload);
        if (fourCc.SequenceEqual("VP8X"u8))
            return Extended(riff, payload, pos);
        throw Inspection.Corrupt(Name, "the first chunk is neither VP8, VP8L nor VP8X");
    }

    /// <summary>The four-character code of the chunk at <paramref name="pos"/>, its payload, and <paramref name="pos"/> moved past it.</summary>
    private static ReadOnlySpan<byte> NextChunk(ReadOnlySpan<byte> riff, ref int pos, out ReadOnlySpan<byte> payload)
    {
        if (pos + 8 > riff.Length)
            throw Inspection.Corrupt(Name, "a chunk header is incomplete");
        long size = BinaryPrimitives.ReadUInt32LittleEndian(riff[(pos + 4)..]);
        if (pos + 8 + size > riff.Length)
            throw Inspection.Corrupt(Name, "a chunk runs past the end of the data");
        var fourCc = riff.Slice(pos, 4);
        payload = riff.Slice(pos + 8, (int)size);
        pos += 8 + (int)size + (int)(size & 1); // chunks are padded to an even size
        return fourCc;
    }

    private static ImageInfo Lossy(ReadOnlySpan<byte> vp8, bool alpha)
    {
        if (vp8.Length < 10)
            throw Inspection.Corrupt(Name, "the VP8 frame header is incomplete");
        if ((vp8[0] & 1) != 0 || vp8[3] != 0x9D || vp8[4] != 0x01 || vp8[5] != 0x2A)
            throw Inspection.Corrupt(Name, "the VP8 start code is missing");
        int width = BinaryPrimitives.ReadUInt16LittleEndian(vp8[6..]) & 0x3FFF;
        int height = BinaryPrimitives.ReadUInt16LittleEndian(vp8[8..]) & 0x3FFF;
        return Inspection.Checked(ImageFormat.WebP, width, height, Name) with { HasAlpha = alpha, Channels = alpha ? 4 : 3 };
    }

    private static ImageInfo Lossless(ReadOnlySpan<byte> vp8l)
    {
        if (vp8l.Length < 5 || vp8l[0] != 0x2F)
            throw Inspection.Corrupt(Name, "the VP8L signature is missing");
        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(vp8l[1..]);
        if (bits >> 29 != 0)
            throw Inspection.Corrupt(Name, "the VP8L version is not 0");
        long width = (bits & 0x3FFF) + 1;
        long height = ((bits >> 14) & 0x3FFF) + 1;
        bool alpha = ((bits >> 28) & 1) == 1;
        return Inspection.Checked(ImageFormat.WebP, width, height, Name) with { HasAlpha = alpha, Channels = alpha ? 4 : 3, Lossless = true };
    }

    private static ImageInfo Extended(ReadOnlySpan<byte> riff, ReadOnlySpan<byte> vp8x, int pos)
    {
        if (vp8x.Length < 10)
            throw Inspection.Corrupt(Name, "the VP8X header is incomplete");
        int flags = vp8x[0];
        if ((flags & AnimationFlag) != 0)
            throw Inspection.Unsupported("An animated WebP");
        long canvasWidth = (vp8x[4] | vp8x[5] << 8 | vp8x[6] << 16) + 1L;
        long canvasHeight = (vp8x[7] | vp8x[8] << 8 | vp8x[9] << 16) + 1L;

        ImageInfo? frame = null;
        bool sawAlphaChunk = false;
        int orientation = 1, exifChunks = 0;
        bool sawProfile = false;
        while (pos < riff.Length)
        {
            var fourCc = NextChunk(riff, ref pos, out var payload);
            if (fourCc.SequenceEqual("ANIM"u8) || fourCc.SequenceEqual("ANMF"u8))
                throw Inspection.Unsupported("An animated WebP");
            if (fourCc.SequenceEqual("VP8 "u8) || fourCc.SequenceEqual("VP8L"u8))
            {
                if (frame is not null)
                    throw Inspection.Corrupt(Name, "it holds two frames");
                frame = fourCc[3] == (byte)'L' ? Lossless(payload) : Lossy(payload, alpha: false);
            }
            else if (fourCc.SequenceEqual("ALPH"u8))
            {
                if (frame is not null || sawAlphaChunk)
                    throw Inspection.Corrupt(Name, "its alpha chunk is misplaced");
                sawAlphaChunk = true;
            }
            else if (fourCc.SequenceEqual("ICCP"u8))
            {
                sawProfile = true;
            }
            else if (fourCc.SequenceEqual("EXIF"u8))
            {
                exifChunks++;
                orientation = ExifReader.OrientationOfBlock(payload);
            }
        }
        if (frame is not { } image)
            throw Inspection.Corrupt(Name, "it holds no frame");
        if (image.Width != canvasWidth || image.Height != canvasHeight)
            throw Inspection.Corrupt(Name, $"its canvas is {canvasWidth}x{canvasHeight} but its frame {image.Width}x{image.Height}");
        bool alpha = (flags & AlphaFlag) != 0 || image.HasAlpha || sawAlphaChunk;
        return image with { HasAlpha = alpha, Channels = alpha ? 4 : 3, Orientation = exifChunks == 1 ? orientation : 1, ColourTagged = sawProfile };
    }
}
