namespace Pipeline.Imaging;

/// <summary>What an image's header says about it, read without decoding any pixels.</summary>
/// <param name="Format">The format recognised from the leading bytes.</param>
/// <param name="Width">Width in pixels as stored (before any EXIF rotation).</param>
/// <param name="Height">Height in pixels as stored.</param>
/// <param name="HasAlpha">True when the header declares an alpha channel or transparency.</param>
public readonly record struct ImageInfo(ImageFormat Format, int Width, int Height, bool HasAlpha)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;
}
