using Pipeline.Errors;

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
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Reads PIPELINE_MAX_PIXELS (both functions share it); throws on an invalid value.</summary>
    public static ImagingLimits FromEnvironment(Func<string, string?> read)
    {
        var limits = new ImagingLimits();
        limits = limits with { MaxPixels = Settings.Number(read, "PIPELINE_MAX_PIXELS", limits.MaxPixels) };
        limits.Validate();
        return limits;
    }

    /// <summary>Fails at start-up on a limit that makes no sense.</summary>
    public void Validate()
    {
        if (MaxPixels is < 1 or > 1L << 31)
            throw new InvalidOperationException($"MaxPixels must be between 1 and {1L << 31}, not {MaxPixels}.");
    }

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
