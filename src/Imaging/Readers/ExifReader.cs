namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads the Orientation tag (0x0112) of IFD0 in an Exif block. The service applies the
/// orientation itself, from this reading alone, on every path (the lossless JPEG transform and
/// every decode, which ignores the decoders' own Exif readers), so no two readers can disagree.
/// </summary>
internal static class ExifReader
{
    private const int OrientationTag = 0x0112;

    /// <summary>
    /// The orientation, 1–8, stated by <paramref name="tiff"/> (TIFF-structured Exif data, after
    /// any "Exif\0\0" prefix) as one SHORT, LONG or SLONG value; 1 (as stored) when there is none
    /// or it is not stated clearly: another type or count, a value out of range, the tag twice,
    /// or a directory outside the data. Viewers also show such an image as stored.
    /// </summary>
    public static int Orientation(ReadOnlySpan<byte> tiff)
    {
        if (!TiffData.TryOpen(tiff, out var data))
            return 1;
        long ifd = data.FirstDirectory;
        int count = data.EntryCount(ifd);
        int orientation = 1, seen = 0;
        for (int i = 0; i < count; i++)
        {
            var entry = data.Entry(ifd, i);
            if (entry.Tag != OrientationTag)
                continue;
            seen++;
            if (entry.Count == 1 && entry.Type is TiffEntry.Short or TiffEntry.Long or TiffEntry.SignedLong)
                orientation = (int)Math.Clamp(data.Value(entry, 0), 0, 9);
        }
        return seen == 1 && orientation is >= 1 and <= 8 ? orientation : 1;
    }

    /// <summary>The orientation of an Exif block that may start with "Exif\0\0" (JPEG APP1, WebP EXIF) or not (PNG eXIf).</summary>
    public static int OrientationOfBlock(ReadOnlySpan<byte> block) =>
        Orientation(block.StartsWith("Exif\0\0"u8) ? block[6..] : block);
}
