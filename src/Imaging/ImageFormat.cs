namespace Pipeline.Imaging;

/// <summary>The image formats the service reads. All are recognised from their bytes, never from a declared type.</summary>
public enum ImageFormat
{
    /// <summary>JPEG (JFIF/EXIF), baseline or progressive.</summary>
    Jpeg,
    /// <summary>PNG, 8 or 16 bit, with or without alpha.</summary>
    Png,
    /// <summary>WebP, lossy or lossless.</summary>
    WebP,
    /// <summary>Windows bitmap.</summary>
    Bmp,
    /// <summary>TIFF, little or big endian (first page).</summary>
    Tiff,
    /// <summary>HEIC: HEIF with HEVC-coded images (phones' default), primary image only; read, never written.</summary>
    Heic,
    /// <summary>AVIF: HEIF with AV1-coded images, primary image only; read, never written.</summary>
    Avif,
    /// <summary>JPEG XL, bare codestream or ISO container; read, never written.</summary>
    JpegXl,
}

/// <summary>Names, media types and encoder extensions of <see cref="ImageFormat"/>.</summary>
public static class ImageFormats
{
    /// <summary>The formats a client may ask for as output (query <c>format=</c> or Accept).</summary>
    public static IReadOnlyList<ImageFormat> Requestable { get; } = [ImageFormat.Jpeg, ImageFormat.Png, ImageFormat.WebP];

    /// <summary>
    /// The format a result takes when the caller asks for none, on every path (POST /, the
    /// worker, the CLI): the input's own, so a result can stand under its input's name; but JPEG
    /// for the formats the service reads and does not write (HEIC, AVIF, JPEG XL), which few
    /// clients could open in gray anyway.
    /// </summary>
    public static ImageFormat DefaultOutput(this ImageFormat input) =>
        input is ImageFormat.Heic or ImageFormat.Avif or ImageFormat.JpegXl ? ImageFormat.Jpeg : input;

    /// <summary>The name people use: JPEG, PNG, WebP, BMP, TIFF.</summary>
    public static string DisplayName(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "JPEG",
        ImageFormat.Png => "PNG",
        ImageFormat.WebP => "WebP",
        ImageFormat.Bmp => "BMP",
        ImageFormat.Tiff => "TIFF",
        ImageFormat.Heic => "HEIC",
        ImageFormat.Avif => "AVIF",
        ImageFormat.JpegXl => "JPEG XL",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The longest side the format can store: WebP 16383 (14-bit sizes), JPEG 65500 (libjpeg's limit).</summary>
    public static int MaxSide(this ImageFormat format) => format switch
    {
        ImageFormat.WebP => 16383,
        ImageFormat.Jpeg => 65500,
        _ => int.MaxValue,
    };

    /// <summary>The IANA media type, e.g. <c>image/jpeg</c>.</summary>
    public static string MediaType(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.WebP => "image/webp",
        ImageFormat.Bmp => "image/bmp",
        ImageFormat.Tiff => "image/tiff",
        ImageFormat.Heic => "image/heic",
        ImageFormat.Avif => "image/avif",
        ImageFormat.JpegXl => "image/jxl",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The extension OpenCV's encoder is chosen by.</summary>
    public static string EncoderExtension(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => ".jpg",
        ImageFormat.Png => ".png",
        ImageFormat.WebP => ".webp",
        ImageFormat.Bmp => ".bmp",
        ImageFormat.Tiff => ".tiff",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>True when the format can carry an alpha channel in our output.</summary>
    public static bool SupportsAlpha(this ImageFormat format) => format is ImageFormat.Png or ImageFormat.WebP or ImageFormat.Tiff;

    /// <summary>Parses a <c>format=</c> value (jpeg, jpg, png, webp; any case).</summary>
    public static bool TryParseRequestable(ReadOnlySpan<char> value, out ImageFormat format)
    {
        if (value.Equals("jpeg", StringComparison.OrdinalIgnoreCase) || value.Equals("jpg", StringComparison.OrdinalIgnoreCase))
        {
            format = ImageFormat.Jpeg;
            return true;
        }
        if (value.Equals("png", StringComparison.OrdinalIgnoreCase))
        {
            format = ImageFormat.Png;
            return true;
        }
        if (value.Equals("webp", StringComparison.OrdinalIgnoreCase))
        {
            format = ImageFormat.WebP;
            return true;
        }
        format = default;
        return false;
    }
}
