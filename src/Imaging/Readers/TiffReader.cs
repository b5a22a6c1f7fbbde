namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a TIFF's first (and only) image file directory. Strict wherever libtiff is lenient or
/// reads differently: tags in ascending order with none repeated (libtiff keeps the first copy
/// of a repeated tag), every entry of a TIFF 6.0 type with its values inside the file (no LONG8
/// read from an offset), sizes and counts as one SHORT or LONG, a single image (no second
/// directory), a compression from an allow-list, 1, 8 or 16 unsigned bits in every sample, and
/// strip or tile tables whose counts match the image's size and whose data lie inside the file.
/// </summary>
internal static class TiffReader
{
    private const string Name = "TIFF";

    private const int ImageWidth = 256, ImageLength = 257, BitsPerSample = 258, Compression = 259, Photometric = 262,
        StripOffsets = 273, Orientation = 274, SamplesPerPixel = 277, RowsPerStrip = 278, StripByteCounts = 279,
        PlanarConfiguration = 284, ColorMap = 320, TileWidth = 322, TileLength = 323, TileOffsets = 324,
        TileByteCounts = 325, ExtraSamples = 338, SampleFormat = 339, IccProfile = 34675;

    /// <summary>None, LZW, Deflate (Adobe and the old code), PackBits: what libtiff decodes without another library.</summary>
    private static readonly int[] Compressions = [1, 5, 8, 32946, 32773];

    public static bool Matches(ReadOnlySpan<byte> data) => data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8);

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        if (!TiffData.TryOpen(data, out var tiff))
            throw Inspection.Corrupt(Name, "the header is incomplete");
        long ifd = tiff.FirstDirectory;
        int count = tiff.EntryCount(ifd);
        if (count <= 0)
            throw Inspection.Corrupt(Name, "the first directory lies outside the data");
        if (tiff.NextDirectory(ifd) != 0)
            throw Inspection.Unsupported("A TIFF of several images (pages)");

        var tags = new Dictionary<int, TiffEntry>(count);
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            var entry = tiff.Entry(ifd, i);
            if (entry.Tag <= previous)
                throw Inspection.Corrupt(Name, $"its directory repeats tag {entry.Tag} or is not in ascending order");
            if (tiff.ValuesAt(entry) < 0)
                throw Inspection.Corrupt(Name, $"tag {entry.Tag} has type {entry.Type} or values outside the data");
            previous = entry.Tag;
            tags[entry.Tag] = entry;
        }

        long width = Single(tiff, tags, ImageWidth, 0), height = Single(tiff, tags, ImageLength, 0);
        var info = Inspection.Checked(ImageFormat.Tiff, width, height, Name);
        int samples = (int)Single(tiff, tags, SamplesPerPixel, 1);
        long compression = Single(tiff, tags, Compression, 1);
        long photometric = Single(tiff, tags, Photometric, -1);
        long planar = Single(tiff, tags, PlanarConfiguration, 1);
        if (samples is < 1 or > 4)
            throw Inspection.Unsupported($"A TIFF of {samples} samples per pixel");
        if (!Compressions.Contains((int)compression))
            throw Inspection.Unsupported($"A TIFF with compression {compression}");
        if (planar != 1)
            throw Inspection.Unsupported("A TIFF with separate colour planes");

        int bits = SampleBits(tiff, tags, samples);
        if (tags.TryGetValue(SampleFormat, out var format))
        {
            for (long i = 0; i < format.Count; i++)
            {
                if (tiff.Value(format, i) != 1)
                    throw Inspection.Unsupported("A TIFF of signed or floating-point samples");
            }
        }

        int colourSamples = photometric switch
        {
            0 or 1 => 1,
            2 => 3,
            3 => 1,
            _ => throw Inspection.Unsupported($"A TIFF with photometric interpretation {photometric}"),
        };
        int extra = samples - colourSamples;
        if (extra is < 0 or > 1 || (extra > 0) != tags.ContainsKey(ExtraSamples))
            throw Inspection.Corrupt(Name, $"{samples} samples per pixel do not match photometric interpretation {photometric}");
        if (photometric == 3 && (bits > 8 || !tags.TryGetValue(ColorMap, out var map) || map.Count != 3L << bits))
            throw Inspection.Corrupt(Name, "its colour map does not match its bits per sample");
        if (bits == 1 && photometric is not (0 or 1))
            throw Inspection.Unsupported("A 1-bit TIFF other than black and white");

        CheckData(tiff, tags, width, height, samples, bits, compression);

        // What OpenCV's TIFF decoder gives: a palette as colour; gray with alpha as 8-bit gray
        // (it drops the alpha and narrows the samples), colour with alpha as BGRA.
        bool grayWithAlpha = colourSamples == 1 && photometric != 3 && extra == 1;
        bool alpha = extra == 1 && !grayWithAlpha;
        int channels = photometric switch
        {
            3 => 3,
            2 => alpha ? 4 : 3,
            _ => 1,
        };
        return info with
        {
            HasAlpha = alpha,
            Channels = channels,
            Components = samples,
            SixteenBit = bits == 16 && !grayWithAlpha,
            Orientation = (int)Single(tiff, tags, Orientation, 1) is var o and >= 1 and <= 8 ? o : 1,
            ColourTagged = tags.ContainsKey(IccProfile),
        };
    }

    /// <summary>The one SHORT or LONG value of <paramref name="tag"/>, or <paramref name="absent"/> when the directory has none.</summary>
    private static long Single(TiffData tiff, Dictionary<int, TiffEntry> tags, int tag, long absent)
    {
        if (!tags.TryGetValue(tag, out var entry))
            return absent;
        if (!entry.IsOneShortOrLong)
            throw Inspection.Corrupt(Name, $"tag {tag} is not one SHORT or LONG value");
        return tiff.Value(entry, 0);
    }

    /// <summary>The bits of every sample: one value, or one per sample, all equal, 1, 8 or 16 (1 only for one sample).</summary>
    private static int SampleBits(TiffData tiff, Dictionary<int, TiffEntry> tags, int samples)
    {
        if (!tags.TryGetValue(BitsPerSample, out var entry))
            return 1;
        if (entry.Type != TiffEntry.Short || (entry.Count != 1 && entry.Count != samples))
            throw Inspection.Corrupt(Name, "its bits per sample do not match its samples per pixel");
        long bits = tiff.Value(entry, 0);
        for (long i = 1; i < entry.Count; i++)
        {
            if (tiff.Value(entry, i) != bits)
                throw Inspection.Unsupported("A TIFF whose samples differ in size");
        }
        if (bits is not (1 or 8 or 16) || (bits == 1 && samples != 1))
            throw Inspection.Unsupported($"A TIFF of {bits}-bit samples");
        return (int)bits;
    }

    /// <summary>
    /// The strips or tiles: one layout or the other, as many as the image's size needs, each
    /// inside the file; uncompressed ones exactly as long as the rows they hold.
    /// </summary>
    private static void CheckData(TiffData tiff, Dictionary<int, TiffEntry> tags, long width, long height, int samples, int bits, long compression)
    {
        bool strips = tags.ContainsKey(StripOffsets), tiles = tags.ContainsKey(TileOffsets);
        if (strips == tiles)
            throw Inspection.Corrupt(Name, "the strip or tile tables are missing");
        long rowBytes = (width * samples * bits + 7) / 8;
        int offsetsTag, countsTag;
        long pieces;
        Func<long, long> piecesBytes; // the uncompressed size of piece i
        if (strips)
        {
            long rowsPerStrip = tags.TryGetValue(RowsPerStrip, out var rows) && rows.IsOneShortOrLong ? tiff.Value(rows, 0) : uint.MaxValue;
            if (rowsPerStrip <= 0)
                throw Inspection.Corrupt(Name, "its rows per strip are 0");
            rowsPerStrip = Math.Min(rowsPerStrip, height);
            pieces = (height + rowsPerStrip - 1) / rowsPerStrip;
            piecesBytes = i => rowBytes * Math.Min(rowsPerStrip, height - i * rowsPerStrip);
            (offsetsTag, countsTag) = (StripOffsets, StripByteCounts);
        }
        else
        {
            if (!tags.TryGetValue(TileWidth, out var tw) || !tags.TryGetValue(TileLength, out var tl) || !tw.IsOneShortOrLong || !tl.IsOneShortOrLong)
                throw Inspection.Corrupt(Name, "its tile size is missing");
            long tileWidth = tiff.Value(tw, 0), tileLength = tiff.Value(tl, 0);
            if (tileWidth <= 0 || tileLength <= 0 || tileWidth % 16 != 0 || tileLength % 16 != 0 || tileWidth * tileLength > 1L << 26)
                throw Inspection.Corrupt(Name, $"its tiles are {tileWidth}x{tileLength}");
            pieces = ((width + tileWidth - 1) / tileWidth) * ((height + tileLength - 1) / tileLength);
            long tileBytes = (tileWidth * samples * bits + 7) / 8 * tileLength;
            piecesBytes = _ => tileBytes;
            (offsetsTag, countsTag) = (TileOffsets, TileByteCounts);
        }
        if (!tags.TryGetValue(offsetsTag, out var offsets) || !tags.TryGetValue(countsTag, out var counts)
            || offsets.Count != pieces || counts.Count != pieces
            || offsets.Type is not (TiffEntry.Short or TiffEntry.Long) || counts.Type is not (TiffEntry.Short or TiffEntry.Long))
        {
            throw Inspection.Corrupt(Name, $"its {(strips ? "strip" : "tile")} tables do not hold the {pieces} the image's size needs");
        }
        for (long i = 0; i < pieces; i++)
        {
            long start = tiff.Value(offsets, i), size = tiff.Value(counts, i);
            if (start < 0 || size <= 0 || start + size > tiff.Length)
                throw Inspection.Corrupt(Name, "image data runs past the end of the file");
            if (compression == 1 && size < piecesBytes(i))
                throw Inspection.Corrupt(Name, "an uncompressed strip or tile is shorter than its pixels");
        }
    }
}
