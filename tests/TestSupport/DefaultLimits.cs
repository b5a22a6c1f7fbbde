using Pipeline.Imaging;
using Pipeline.Settings;

namespace Pipeline.Tests;

/// <summary>The imaging limits the functions run with when no setting changes them.</summary>
public static class DefaultLimits
{
    /// <summary>PIPELINE_MAX_PIXELS at its default.</summary>
    public static ImagingLimits Imaging { get; } = new() { MaxPixels = PipelineSettings.MaxPixels.FixedDefault };
}
