using Pipeline.Errors;
using Pipeline.Settings;

namespace Pipeline.Imaging;

/// <summary>Limits the imaging core enforces before it decodes anything.</summary>
public sealed record ImagingLimits
{
    /// <summary>
    /// Largest image accepted, in pixels, read from the header. 50 MP covers any phone or
    /// consumer camera. An opaque 50 MP JPEG peaks near 120 MB (luma-only decode); images with
    /// alpha and TIFFs decode in colour first, and OpenCV's TIFF reader needs several bytes per
    /// pixel on top (a 49 MP 16-bit RGBA TIFF: ~800 MB), which the template's 1024 MB covers.
    /// </summary>
    public long MaxPixels { get; init; } = PipelineSettings.MaxPixels.Default;

    /// <summary>Reads PIPELINE_MAX_PIXELS (both functions share it); throws on an invalid value.</summary>
    public static ImagingLimits FromEnvironment(Func<string, string?> read) =>
        new() { MaxPixels = PipelineSettings.MaxPixels.Read(read) };

    /// <summary>Rejects an image whose header declares more pixels than allowed.</summary>
    public void Check(ImageInfo info)
    {
        if (info.Pixels > MaxPixels)
        {
            throw new PipelineException(
                ErrorCode.TooManyPixels,
                $"The image is {info.Width}x{info.Height} ({info.Pixels / 1_000_000.0:0.#} MP); the limit is {MaxPixels / 1_000_000.0:0.#} MP.");
        }
    }
}
