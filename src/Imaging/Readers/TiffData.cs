using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Bounds-checked reads of TIFF-structured data (a TIFF file, or the Exif block of a JPEG, PNG,
/// WebP or HEIF): its byte order, and the entries of an image file directory. Every read out of
/// range gives -1 instead of throwing.
/// </summary>
internal readonly ref struct TiffData
{
    private readonly ReadOnlySpan<byte> _data;

    private TiffData(ReadOnlySpan<byte> data, bool littleEndian)
    {
        _data = data;
        LittleEndian = littleEndian;
    }

    /// <summary>True for "II" data, false for "MM".</summary>
    public bool LittleEndian { get; }

    /// <summary>The data's length in bytes.</summary>
    public int Length => _data.Length;

    /// <summary>Reads the header ("II" or "MM", then 42); false when <paramref name="data"/> does not start with one.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> data, out TiffData tiff)
    {
        bool little = data.StartsWith("II"u8);
        tiff = new TiffData(data, little);
        return (little || data.StartsWith("MM"u8)) && tiff.U16(2) == 42;
    }

    /// <summary>The offset of the first image file directory (-1 when the header is cut).</summary>
    public long FirstDirectory => U32(4);

    /// <summary>An unsigned 16-bit value at <paramref name="at"/>, or -1.</summary>
    public int U16(long at) => at < 0 || at + 2 > _data.Length ? -1
        : LittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(_data[(int)at..]) : BinaryPrimitives.ReadUInt16BigEndian(_data[(int)at..]);

    /// <summary>An unsigned 32-bit value at <paramref name="at"/>, or -1.</summary>
    public long U32(long at) => at < 0 || at + 4 > _data.Length ? -1
        : LittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(_data[(int)at..]) : BinaryPrimitives.ReadUInt32BigEndian(_data[(int)at..]);

    /// <summary>
    /// The number of entries of the directory at <paramref name="ifd"/>, or -1 when the
    /// directory (its count, its entries and the next-directory offset after them) does not lie
    /// inside the data.
    /// </summary>
    public int EntryCount(long ifd)
    {
        int count = U16(ifd);
        return count < 0 || ifd < 8 || ifd + 2 + 12L * count + 4 > _data.Length ? -1 : count;
    }

    /// <summary>Entry <paramref name="index"/> of the directory at <paramref name="ifd"/> (whose count was checked).</summary>
    public TiffEntry Entry(long ifd, int index)
    {
        long at = ifd + 2 + 12L * index;
        return new TiffEntry(U16(at), U16(at + 2), U32(at + 4), at + 8);
    }

    /// <summary>The offset of the directory after the one at <paramref name="ifd"/> (0: none).</summary>
    public long NextDirectory(long ifd) => U32(ifd + 2 + 12L * U16(ifd));

    /// <summary>
    /// Where an entry's values start: inline in the entry when they fit in 4 bytes, else at the
    /// offset it holds; -1 when its type is unknown or its values do not lie inside the data.
    /// </summary>
    public long ValuesAt(TiffEntry entry)
    {
        int size = TypeSize(entry.Type);
        if (size == 0 || entry.Count < 0)
            return -1;
        long bytes = entry.Count * size;
        long at = bytes <= 4 ? entry.ValueField : U32(entry.ValueField);
        return at < 0 || at + bytes > _data.Length ? -1 : at;
    }

    /// <summary>Value <paramref name="index"/> of a BYTE, SHORT or LONG entry (SLONG read as signed), or -1.</summary>
    public long Value(TiffEntry entry, long index)
    {
        long at = ValuesAt(entry);
        if (at < 0 || index < 0 || index >= entry.Count)
            return -1;
        return entry.Type switch
        {
            TiffEntry.Byte => _data[(int)(at + index)],
            TiffEntry.Short => U16(at + 2 * index),
            TiffEntry.Long => U32(at + 4 * index),
            TiffEntry.SignedLong => (int)(uint)U32(at + 4 * index),
            _ => -1,
        };
    }

    /// <summary>The bytes of an entry's values (an UNDEFINED or BYTE blob such as an ICC profile); empty when out of range.</summary>
    public ReadOnlySpan<byte> Bytes(TiffEntry entry)
    {
        long at = ValuesAt(entry);
        return at < 0 ? [] : _data.Slice((int)at, (int)(entry.Count * TypeSize(entry.Type)));
    }

    /// <summary>The size in bytes of one value of TIFF 6.0 field type <paramref name="type"/> (1–12); 0 for any other.</summary>
    public static int TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1, // BYTE, ASCII, SBYTE, UNDEFINED
        3 or 8 => 2, // SHORT, SSHORT
        4 or 9 or 11 => 4, // LONG, SLONG, FLOAT
        5 or 10 or 12 => 8, // RATIONAL, SRATIONAL, DOUBLE
        _ => 0, // LONG8 and the other BigTIFF types, or not a type at all
    };
}
