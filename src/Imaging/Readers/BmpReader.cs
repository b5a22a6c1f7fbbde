using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a Windows bitmap's headers. Strict about what a decoder sizes its work by: the header
/// versions Windows writes, one plane, a compression that fits the bit depth (uncompressed,
/// bit fields, RLE8 at 8 bits, RLE4 at 4), a palette no larger than the indices can address and
/// inside the data, and uncompressed pixel data as long as the header says.
/// </summary>
internal static class BmpReader
{
    private const string Name = "BMP";
    private const int FileHeader = 14;

    public static bool Matches(ReadOnlySpan<byte> data) => data.StartsWith("BM"u8) && data.Length >= 26;

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        long headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (headerSize is not (12 or 40 or 52 or 56 or 108 or 124) || FileHeader + headerSize > data.Length)
            throw Inspection.Corrupt(Name, $"the header size {headerSize} is not valid");
        var header = data.Slice(FileHeader, (int)headerSize);

        long width, height;
        int planes, bitsPerPixel;
        uint compression = 0, colorsUsed = 0, alphaMask = 0;
        bool topDown = false;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            int signedHeight = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            topDown = signedHeight < 0;
            height = Math.Abs((long)signedHeight);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(header[12..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(header[14..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
            colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(header[32..]);
            if (headerSize >= 56)
                alphaMask = BinaryPrimitives.ReadUInt32LittleEndian(header[52..]);
        }
        var info = Inspection.Checked(ImageFormat.Bmp, width, height, Name);
        if (planes != 1)
            throw Inspection.Corrupt(Name, $"it declares {planes} planes");
        if (bitsPerPixel is not (1 or 4 or 8 or 16 or 24 or 32))
            throw Inspection.Corrupt(Name, $"{bitsPerPixel} bits per pixel is not valid");
        bool compressionFits = compression switch
        {
            0 => true,
            1 => bitsPerPixel == 8 && !topDown,
            2 => bitsPerPixel == 4 && !topDown,
            3 => bitsPerPixel is 16 or 32,
            _ => false,
        };
        if (!compressionFits)
            throw Inspection.Unsupported($"A BMP with compression {compression} at {bitsPerPixel} bits per pixel");

        long paletteEntries = 0;
        if (bitsPerPixel <= 8)
        {
            long addressable = 1L << bitsPerPixel;
            paletteEntries = colorsUsed == 0 ? addressable : colorsUsed;
            if (paletteEntries > addressable)
                throw Inspection.Corrupt(Name, $"its palette has {paletteEntries} entries for {bitsPerPixel}-bit indices");
        }
        int entrySize = headerSize == 12 ? 3 : 4;
        long masks = compression == 3 && headerSize == 40 ? 12 : 0; // bit fields follow a version-1 header
        long paletteStart = FileHeader + headerSize + masks;
        if (paletteStart + paletteEntries * entrySize > Math.Min(pixelOffset, data.Length) || pixelOffset > data.Length)
            throw Inspection.Corrupt(Name, "its palette or pixel data lies outside the data");
        if (compression is 0 or 3) // uncompressed: the pixel array's size is known exactly
        {
            long stride = (bitsPerPixel * width + 31) / 32 * 4;
            if (pixelOffset + stride * height > data.Length)
                throw Inspection.Corrupt(Name, "the pixel data is shorter than its header declares");
        }
        else if (pixelOffset >= data.Length)
        {
            throw Inspection.Corrupt(Name, "it has no pixel data");
        }

        // OpenCV decodes a 32-bit bitmap with bit fields to four channels, any other to three; the
        // fourth is alpha only where the header declares an alpha mask (else it is opaque, or for a
        // version-1 or -2 header the padding byte, which must not be taken for transparency).
        bool fourChannels = bitsPerPixel == 32 && compression == 3;
        bool alpha = fourChannels && alphaMask != 0;
        bool grayPalette = bitsPerPixel <= 8 && IsGrayPalette(data.Slice((int)paletteStart, (int)(paletteEntries * entrySize)), entrySize);
        return info with { HasAlpha = alpha, Channels = grayPalette ? 1 : fourChannels ? 4 : 3 };
    }

    private static bool IsGrayPalette(ReadOnlySpan<byte> palette, int entrySize)
    {
        for (int at = 0; at + 2 < palette.Length; at += entrySize)
        {
            if (palette[at] != palette[at + 1] || palette[at + 1] != palette[at + 2])
                return false;
        }
        return true;
    }
}
