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

    /// <summary>
    /// False in a deployment that leaves HEVC out (PIPELINE_HEIC=0, and a layer built without
    /// libde265): a HEIC is then refused as unsupported before anything decodes it.
    /// </summary>
    public bool Heic { get; init; } = true;

    /// <summary>Rejects an image whose header declares more pixels than allowed, or a HEIC where HEVC is left out.</summary>
    public void Check(ImageInfo info)
    {
        if (info.Format == ImageFormat.Heic && !Heic)
        {
            throw new PipelineException(ErrorCode.UnsupportedMediaType,
                "HEIC (HEVC-coded HEIF) is not converted by this deployment; send JPEG, PNG, WebP, BMP, TIFF, AVIF or JPEG XL.");
        }
        if (info.Pixels > MaxPixels)
        {
            throw new PipelineException(
                ErrorCode.TooManyPixels,
                $"The image is {info.Width}x{info.Height} ({info.Pixels / 1_000_000.0:0.#} MP); the limit is {MaxPixels / 1_000_000.0:0.#} MP.");
        }
    }
}
