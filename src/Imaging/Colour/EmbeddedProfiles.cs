using System.Buffers.Binary;
using System.IO.Compression;
using Pipeline.Imaging.Readers;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// Finds the colour space an image states, in the bytes the inspection accepted: JPEG APP2
/// ICC_PROFILE segments (joined in sequence), PNG iCCP (inflated here, to at most
/// <see cref="MaxProfileBytes"/>; an sRGB chunk means sRGB; cHRM with gAMA otherwise, as
/// browsers read them; gAMA alone is ignored, as Chrome does), WebP ICCP, TIFF tag 34675, HEIF
/// colr (an ICC profile, or nclx primaries). A profile that is missing a piece, too large or
/// unreadable is ignored, as viewers ignore it. JPEG XL's comes from libjxl while decoding.
/// </summary>
internal static class EmbeddedProfiles
{
    /// <summary>The largest ICC profile read: press profiles with large tables reach a few MB.</summary>
    public const int MaxProfileBytes = 8 * 1024 * 1024;

    private const int IccTag = 34675;

    /// <summary>The profile <paramref name="data"/> (inspected as <paramref name="info"/>) states, or null.</summary>
    public static ColourProfile? Of(ReadOnlySpan<byte> data, ImageInfo info) => info.Format switch
    {
        ImageFormat.Jpeg => Icc(JpegIcc(data)),
        ImageFormat.Png => Png(data),
        ImageFormat.WebP => Icc(WebPIcc(data)),
        ImageFormat.Tiff => Icc(TiffIcc(data)),
        ImageFormat.Heic or ImageFormat.Avif => Heif(data),
        _ => null,
    };

    private static ColourProfile? Icc(byte[]? icc) => icc is { Length: >= 128 } ? ColourProfile.FromIcc(icc) : null;

    /// <summary>APP2 "ICC_PROFILE\0", sequence number, count, data: every piece present once.</summary>
    private static byte[]? JpegIcc(ReadOnlySpan<byte> jpeg)
    {
        var marker = "ICC_PROFILE\0"u8;
        byte[]?[]? pieces = null;
        int pos = 2;
        while (pos + 4 <= jpeg.Length && jpeg[pos] == 0xFF)
        {
            byte type = jpeg[pos + 1];
            if (type is 0xDA or 0xD9)
                break; // the profile precedes the image data
            if (type == 0xFF)
            {
                pos++;
                continue;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > jpeg.Length)
                return null;
            var payload = jpeg.Slice(pos + 4, length - 2);
            if (type == 0xE2 && payload.Length > marker.Length + 2 && payload.StartsWith(marker))
            {
                int sequence = payload[marker.Length], count = payload[marker.Length + 1];
                pieces ??= new byte[count][];
                if (count == 0 || count != pieces.Length || sequence < 1 || sequence > count || pieces[sequence - 1] is not null)
                    return null;
                pieces[sequence - 1] = payload[(marker.Length + 2)..].ToArray();
            }
            pos += 2 + length;
        }
        if (pieces is null || pieces.Any(p => p is null) || pieces.Sum(p => p!.Length) > MaxProfileBytes)
            return null;
        return [.. pieces.SelectMany(p => p!)];
    }

    private static ColourProfile? Png(ReadOnlySpan<byte> png)
    {
        byte[]? icc = null;
        bool srgb = false;
        uint[]? chromaticities = null;
        uint gamma = 0;
        foreach (var chunk in PngReader.Chunks(png))
        {
            var type = chunk.Type;
            if (type.SequenceEqual("iCCP"u8) && icc is null)
                icc = Inflate(chunk.Data);
            else if (type.SequenceEqual("sRGB"u8))
                srgb = true;
            else if (type.SequenceEqual("gAMA"u8) && chunk.Data.Length == 4)
                gamma = BinaryPrimitives.ReadUInt32BigEndian(chunk.Data);
            else if (type.SequenceEqual("cHRM"u8) && chunk.Data.Length == 32)
            {
                chromaticities = new uint[8];
                for (int i = 0; i < 8; i++)
                    chromaticities[i] = BinaryPrimitives.ReadUInt32BigEndian(chunk.Data[(4 * i)..]);
            }
            else if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8))
                break; // colour chunks precede the image data
        }
        if (srgb)
            return null; // Chrome's order: an sRGB chunk wins
        if (Icc(icc) is { } profile)
            return profile;
        return chromaticities is not null && gamma != 0 ? ColourProfile.FromChromaticities(chromaticities, gamma) : null;
    }

    /// <summary>An iCCP chunk's profile: keyword, NUL, method 0, then zlib data inflated to at most <see cref="MaxProfileBytes"/>.</summary>
    private static byte[]? Inflate(ReadOnlySpan<byte> iccp)
    {
        int nul = iccp.IndexOf((byte)0);
        if (nul is < 1 or > 79 || nul + 2 > iccp.Length || iccp[nul + 1] != 0)
            return null;
        using var compressed = new MemoryStream(iccp[(nul + 2)..].ToArray());
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        using var profile = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            for (int read; (read = zlib.Read(buffer)) > 0;)
            {
                profile.Write(buffer, 0, read);
                if (profile.Length > MaxProfileBytes)
                    return null;
            }
        }
        catch (InvalidDataException)
        {
            return null;
        }
        return profile.ToArray();
    }

    private static byte[]? WebPIcc(ReadOnlySpan<byte> webp)
    {
        if (webp.Length < 30 || !webp[12..16].SequenceEqual("VP8X"u8))
            return null;
        long riffEnd = Math.Min(webp.Length, 8 + (long)BinaryPrimitives.ReadUInt32LittleEndian(webp[4..]));
        long pos = 12;
        while (pos + 8 <= riffEnd)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(webp[(int)(pos + 4)..]);
            if (pos + 8 + size > riffEnd)
                return null;
            if (webp.Slice((int)pos, 4).SequenceEqual("ICCP"u8))
                return size <= MaxProfileBytes ? webp.Slice((int)pos + 8, (int)size).ToArray() : null;
            pos += 8 + size + (size & 1);
        }
        return null;
    }

    private static byte[]? TiffIcc(ReadOnlySpan<byte> tiff)
    {
        if (!TiffData.TryOpen(tiff, out var data))
            return null;
        long ifd = data.FirstDirectory;
        int count = data.EntryCount(ifd);
        for (int i = 0; i < count; i++)
        {
            var entry = data.Entry(ifd, i);
            if (entry.Tag == IccTag && entry.Type is TiffEntry.Undefined or TiffEntry.Byte && entry.Count <= MaxProfileBytes)
                return data.Bytes(entry).ToArray();
        }
        return null;
    }

    private static ColourProfile? Heif(ReadOnlySpan<byte> heif)
    {
        var file = HeifReader.Parse(heif);
        if (file.Icc is { } icc && icc.Length <= MaxProfileBytes && Icc(heif.Slice(icc.Start, icc.Length).ToArray()) is { } profile)
            return profile;
        return file.Nclx is { } nclx ? ColourProfile.FromNclx(nclx.Primaries, nclx.Transfer) : null;
    }
}
