using System.Buffers.Binary;
using System.IO.Compression;

namespace Pipeline.Tests;

/// <summary>
/// Little-endian TIFFs written by hand, entry by entry, for inputs no encoder writes: repeated or
/// oddly typed size tags. The pixels are zeros, Deflate-compressed once and shared by every strip,
/// so a 7000×7000 16-bit RGBA image is a few kilobytes that decode to 392 MB.
/// </summary>
public static class TiffBuilder
{
    private const ushort Short = 3, Long = 4, Long8 = 16;

    /// <summary>How the size tags are written.</summary>
    public enum SizeTags
    {
        /// <summary>ImageWidth and ImageLength once each, as LONG.</summary>
        Honest,
        /// <summary>Each twice: the real size, then 8 (libtiff keeps the first, a reader keeping the last sees 8×8).</summary>
        RepeatedThenEight,
        /// <summary>As LONG8 (a BigTIFF type), whose value lies at an offset.</summary>
        Long8,
    }

    /// <summary>A Deflate TIFF of zeros, <paramref name="samples"/> samples of <paramref name="bits"/> bits a pixel (4: RGBA).</summary>
    public static byte[] Zeros(int width, int height, int bits, int samples, SizeTags sizeTags = SizeTags.Honest)
    {
        int rowsPerStrip = Math.Max(1, Math.Min(height, (4 << 20) / (width * samples * bits / 8)));
        int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        byte[] strip = Deflate(new byte[(long)rowsPerStrip * width * samples * bits / 8]);

        var entries = new List<(ushort Tag, ushort Type, uint Count, byte[] Values)>();
        void Add(ushort tag, ushort type, uint count, byte[] values) => entries.Add((tag, type, count, values));
        byte[] U16s(params int[] values) => [.. values.SelectMany(v => BitConverter.GetBytes((ushort)v))];
        byte[] U32s(params long[] values) => [.. values.SelectMany(v => BitConverter.GetBytes((uint)v))];

        switch (sizeTags)
        {
            case SizeTags.Honest:
                Add(256, Long, 1, U32s(width));
                Add(257, Long, 1, U32s(height));
                break;
            case SizeTags.RepeatedThenEight:
                Add(256, Long, 1, U32s(width));
                Add(256, Long, 1, U32s(8));
                Add(257, Long, 1, U32s(height));
                Add(257, Long, 1, U32s(8));
                break;
            case SizeTags.Long8:
                Add(256, Long8, 1, BitConverter.GetBytes((ulong)width));
                Add(257, Long8, 1, BitConverter.GetBytes((ulong)height));
                break;
        }
        Add(258, Short, (uint)samples, U16s([.. Enumerable.Repeat(bits, samples)]));
        Add(259, Short, 1, U16s(8)); // Deflate
        Add(262, Short, 1, U16s(samples >= 3 ? 2 : 1)); // RGB or gray
        Add(273, Long, (uint)strips, []); // offsets: filled in below
        Add(277, Short, 1, U16s(samples));
        Add(278, Long, 1, U32s(rowsPerStrip));
        Add(279, Long, (uint)strips, U32s([.. Enumerable.Repeat((long)strip.Length, strips)]));
        Add(284, Short, 1, U16s(1));
        if (samples is 2 or 4)
            Add(338, Short, 1, U16s(2)); // unassociated alpha

        // Layout: header, the directory, the values too large for an entry, the one strip.
        int directorySize = 2 + 12 * entries.Count + 4;
        int valuesAt = 8 + directorySize;
        int valuesSize = entries.Sum(e => e.Tag == 273 ? 4 * strips : e.Values.Length > 4 ? e.Values.Length : 0);
        int stripAt = valuesAt + valuesSize;
        var tiff = new byte[stripAt + strip.Length];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)entries.Count);
        int next = valuesAt;
        for (int i = 0; i < entries.Count; i++)
        {
            var (tag, type, count, values) = entries[i];
            if (tag == 273)
                values = U32s([.. Enumerable.Repeat((long)stripAt, strips)]);
            int at = 10 + 12 * i;
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            if (values.Length <= 4)
            {
                values.CopyTo(tiff.AsSpan(at + 8));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), (uint)next);
                values.CopyTo(tiff.AsSpan(next));
                next += values.Length;
            }
        }
        strip.CopyTo(tiff.AsSpan(stripAt));
        return tiff;
    }

    private static byte[] Deflate(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(data);
        return compressed.ToArray();
    }
}
