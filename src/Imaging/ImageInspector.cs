using System.Text;
using Pipeline.Errors;
using Pipeline.Imaging.Readers;

namespace Pipeline.Imaging;

/// <summary>
/// Recognises an image from its bytes and reads its header with that format's reader, so limits
/// are enforced before a decoder allocates anything. Each reader also checks that the data is
/// complete (a JPEG reaches its EOI, a PNG its IEND, a WebP its RIFF size), because decoders
/// quietly return a half-grey picture for a truncated file, and is strict wherever a decoder
/// would read the same bytes differently.
/// </summary>
public static class ImageInspector
{
    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
    private static ReadOnlySpan<byte> IcoMagic => [0, 0, 1, 0];

    /// <summary>Inspects <paramref name="data"/>; throws <see cref="PipelineException"/> for anything we cannot process.</summary>
    public static ImageInfo Inspect(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            throw new PipelineException(ErrorCode.EmptyBody, $"There are no bytes to read (0 bytes); expected a {Inspection.Supported} image.");
        if (data.StartsWith(JpegMagic))
            return JpegReader.Read(data);
        if (data.StartsWith(PngReader.Signature))
            return PngReader.Read(data);
        if (WebPReader.Matches(data))
            return WebPReader.Read(data);
        if (BmpReader.Matches(data))
            return BmpReader.Read(data);
        if (TiffReader.Matches(data))
            return TiffReader.Read(data);
        if (HeifReader.Matches(data))
            return HeifReader.Read(data);
        if (JxlReader.Matches(data))
            return JxlReader.Read(data);
        throw new PipelineException(ErrorCode.UnsupportedMediaType, DescribeUnsupported(data));
    }

    /// <summary>
    /// What a decoder is given of <paramref name="data"/> (inspected as <paramref name="info"/>):
    /// the bytes themselves, or for a PNG its minimal form, without the ancillary chunks
    /// (<see cref="PngReader.Minimal"/>).
    /// </summary>
    public static ReadOnlySpan<byte> Decodable(ReadOnlySpan<byte> data, ImageInfo info) =>
        info.Format == ImageFormat.Png ? PngReader.Minimal(data) : data;

    private static string DescribeUnsupported(ReadOnlySpan<byte> data)
    {
        var known = data switch
        {
            _ when data.StartsWith("GIF8"u8) => "GIF",
            _ when data.StartsWith("%PDF"u8) => "PDF",
            _ when data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8) => "BigTIFF",
            _ when data.StartsWith("8BPS"u8) => "Photoshop",
            _ when data.StartsWith(IcoMagic) => "ICO",
            _ when data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8) => $"ISO media ({IsoBox.TypeName(data[8..12]).Trim()})",
            _ when LooksLikeMarkup(data) => "SVG, HTML or XML text",
            _ => null,
        };
        return known is null
            ? $"The body is not a supported image; send {Inspection.Supported}."
            : $"{known} is not supported; send {Inspection.Supported}.";
    }

    private static bool LooksLikeMarkup(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(Utf8Bom))
            data = data[3..];
        var trimmed = data.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] == (byte)'<';
    }
}
