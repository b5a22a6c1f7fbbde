using Pipeline.Errors;

namespace Pipeline.Imaging.Readers;

/// <summary>The errors the readers raise and the size check they share.</summary>
internal static class Inspection
{
    /// <summary>The formats the service reads, as error messages name them.</summary>
    public const string Supported = "JPEG, PNG, WebP, BMP, TIFF, HEIC, AVIF or JPEG XL";

    /// <summary>A supported format whose data is damaged, incomplete or self-contradictory.</summary>
    public static PipelineException Corrupt(string format, string what) =>
        new(ErrorCode.CorruptImage, $"The {format} image is corrupt or truncated: {what}.");

    /// <summary>A variant of a supported format that the service does not read (<paramref name="what"/> names it).</summary>
    public static PipelineException Unsupported(string what) =>
        new(ErrorCode.UnsupportedMediaType, $"{what} is not supported; send {Supported}.");

    /// <summary>The image's basic facts, once its size is known to be positive and representable.</summary>
    public static ImageInfo Checked(ImageFormat format, long width, long height, string name)
    {
        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
            throw Corrupt(name, $"its header declares {width}x{height} pixels");
        return new ImageInfo(format, (int)width, (int)height, HasAlpha: false, Channels: 0);
    }
}
