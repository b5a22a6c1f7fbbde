using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a PNG's chunks. Strict about the chunks a decoder needs (IHDR first and valid, PLTE and
/// tRNS where the format allows them, consecutive IDATs, IEND; no unknown critical chunk), and
/// it keeps libpng away from the rest: the decoder is given <see cref="Minimal"/>, a PNG of only
/// those chunks, so no ancillary chunk (a zTXt that inflates to megabytes, a thousand of them)
/// ever reaches it, whatever the file holds.
/// </summary>
internal static class PngReader
{
    private const string Name = "PNG";

    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        long width = 0, height = 0;
        int bitDepth = 0, colorType = -1, paletteEntries = 0, exifBlocks = 0, orientation = 1;
        bool sawPalette = false, sawTransparency = false, sawEnd = false;
        bool sawProfile = false, sawSrgb = false, sawChromaticities = false, sawGamma = false;
        int dataState = 0; // 0: no IDAT yet, 1: in the IDATs, 2: after them
        foreach (var chunk in Chunks(data))
        {
            var type = chunk.Type;
            if (colorType < 0 && !type.SequenceEqual("IHDR"u8))
                throw Inspection.Corrupt(Name, "the IHDR header is missing");
            if (dataState == 1 && !type.SequenceEqual("IDAT"u8))
                dataState = 2;
            if (type.SequenceEqual("IHDR"u8))
            {
                if (colorType >= 0 || chunk.Data.Length != 13)
                    throw Inspection.Corrupt(Name, "the IHDR header is missing or repeated");
                (width, height, bitDepth, colorType) = ReadHeader(chunk.Data);
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                if (sawPalette || dataState != 0 || sawTransparency || chunk.Data.Length % 3 != 0 || chunk.Data.Length == 0 || colorType is 0 or 4)
                    throw Inspection.Corrupt(Name, "the palette is misplaced or malformed");
                paletteEntries = chunk.Data.Length / 3;
                if (paletteEntries > (colorType == 3 ? 1 << bitDepth : 256))
                    throw Inspection.Corrupt(Name, $"the palette has {paletteEntries} entries for {bitDepth}-bit indices");
                sawPalette = true;
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                int expected = colorType switch { 0 => 2, 2 => 6, 3 => paletteEntries, _ => -1 };
                bool fits = colorType == 3 ? chunk.Data.Length <= expected && sawPalette : chunk.Data.Length == expected;
                if (sawTransparency || dataState != 0 || !fits)
                    throw Inspection.Corrupt(Name, "the transparency chunk is misplaced or malformed");
                sawTransparency = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                if (dataState == 2)
                    throw Inspection.Corrupt(Name, "its image data is split by other chunks");
                if (colorType == 3 && !sawPalette)
                    throw Inspection.Corrupt(Name, "a palette image has no palette");
                dataState = 1;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }
            else if (type.SequenceEqual("iCCP"u8) || type.SequenceEqual("sRGB"u8) || type.SequenceEqual("cHRM"u8) || type.SequenceEqual("gAMA"u8))
            {
                sawProfile |= type[0] == (byte)'i';
                sawSrgb |= type[0] == (byte)'s';
                sawChromaticities |= type[0] == (byte)'c';
                sawGamma |= type[0] == (byte)'g';
            }
            else if (type.SequenceEqual("eXIf"u8))
            {
                exifBlocks++;
                orientation = ExifReader.OrientationOfBlock(chunk.Data);
            }
            else if (char.IsAsciiLetterUpper((char)type[0]))
            {
                throw Inspection.Corrupt(Name, $"it has an unknown critical chunk {System.Text.Encoding.ASCII.GetString(type)}");
            }
        }
        if (!sawEnd)
            throw Inspection.Corrupt(Name, "the IEND chunk is missing");
        if (dataState == 0)
            throw Inspection.Corrupt(Name, "it has no image data");

        // What OpenCV's PNG decoder gives: gray (its tRNS is not applied), colour, or BGRA for
        // gray+alpha, colour+alpha and a colour or palette image with a tRNS chunk.
        bool alpha = colorType is 4 or 6 || (colorType is 2 or 3 && sawTransparency);
        int channels = colorType == 0 ? 1 : alpha ? 4 : 3;
        return Inspection.Checked(ImageFormat.Png, width, height, Name) with
        {
            HasAlpha = alpha,
            Channels = channels,
            Components = colorType switch { 0 => 1, 4 => 2, 6 => 4, _ => 3 },
            SixteenBit = bitDepth == 16,
            Orientation = exifBlocks == 1 ? orientation : 1,
            ColourTagged = !sawSrgb && (sawProfile || (sawChromaticities && sawGamma)),
        };
    }

    private static (long Width, long Height, int BitDepth, int ColorType) ReadHeader(ReadOnlySpan<byte> ihdr)
    {
        long width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        long height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        int bitDepth = ihdr[8], colorType = ihdr[9];
        bool valid = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!valid)
            throw Inspection.Corrupt(Name, $"colour type {colorType} with bit depth {bitDepth} is not valid");
        if (ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1)
            throw Inspection.Corrupt(Name, "its compression, filter or interlace method is not valid");
        if (width > int.MaxValue || height > int.MaxValue)
            throw Inspection.Corrupt(Name, $"its header declares {width}x{height} pixels");
        return (width, height, bitDepth, colorType);
    }

    /// <summary>
    /// The PNG a decoder is given: the signature and, verbatim (with their CRCs), the chunks
    /// IHDR, PLTE, tRNS, every IDAT and IEND of <paramref name="png"/>, which
    /// <see cref="Read"/> accepted.
    /// </summary>
    public static byte[] Minimal(ReadOnlySpan<byte> png)
    {
        int length = Signature.Length;
        foreach (var chunk in Chunks(png))
        {
            if (IsKept(chunk.Type))
                length += chunk.Whole.Length;
            if (chunk.Type.SequenceEqual("IEND"u8))
                break;
        }
        var minimal = new byte[length];
        Signature.CopyTo(minimal);
        int at = Signature.Length;
        foreach (var chunk in Chunks(png))
        {
            if (!IsKept(chunk.Type))
                continue;
            chunk.Whole.CopyTo(minimal.AsSpan(at));
            at += chunk.Whole.Length;
            if (chunk.Type.SequenceEqual("IEND"u8))
                break;
        }
        return minimal;
    }

    private static bool IsKept(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("IHDR"u8) || type.SequenceEqual("PLTE"u8) || type.SequenceEqual("tRNS"u8)
        || type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8);

    /// <summary>The chunks of <paramref name="png"/> in order, each checked to lie inside the data and to have a type of four letters.</summary>
    public static ChunkEnumerator Chunks(ReadOnlySpan<byte> png) => new(png);

    /// <summary>One chunk: its type, its data, and all of it (length, type, data and CRC).</summary>
    public readonly ref struct Chunk(ReadOnlySpan<byte> whole)
    {
        public ReadOnlySpan<byte> Whole { get; } = whole;

        public ReadOnlySpan<byte> Type => Whole.Slice(4, 4);

        public ReadOnlySpan<byte> Data => Whole[8..^4];
    }

    /// <summary>Walks the chunks after the signature; throws when one runs past the end of the data.</summary>
    public ref struct ChunkEnumerator(ReadOnlySpan<byte> png)
    {
        private readonly ReadOnlySpan<byte> _png = png;
        private long _next = 8;

        public Chunk Current { get; private set; }

        public readonly ChunkEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next == _png.Length)
                return false;
            if (_next + 12 > _png.Length)
                throw Inspection.Corrupt(Name, "the IEND chunk is missing");
            long length = BinaryPrimitives.ReadUInt32BigEndian(_png[(int)_next..]);
            long end = _next + 12 + length;
            if (length > int.MaxValue || end > _png.Length)
                throw Inspection.Corrupt(Name, "a chunk runs past the end of the data");
            var whole = _png[(int)_next..(int)end];
            foreach (byte letter in whole.Slice(4, 4))
            {
                if (!char.IsAsciiLetter((char)letter))
                    throw Inspection.Corrupt(Name, "a chunk's type is not four letters");
            }
            Current = new Chunk(whole);
            _next = end;
            return true;
        }
    }
}
