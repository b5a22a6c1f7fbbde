using Pipeline.Errors;

namespace Pipeline.Imaging;

/// <summary>Limits the imaging core enforces before it decodes anything.</summary>
public sealed record ImagingLimits
{
    /// <summary>
    /// Largest image accepted, in pixels, read from the header (the hosts read it from
    /// PIPELINE_MAX_PIXELS; see the settings).
    /// </summary>
    public required long MaxPixels { get; init; }

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
