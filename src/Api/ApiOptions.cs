using Pipeline.Imaging;
using Pipeline.Settings;

namespace Pipeline.Api;

/// <summary>The API function's configuration, read once at start and validated then (see <see cref="PipelineSettings"/>).</summary>
public sealed record ApiOptions
{
    /// <summary>
    /// Largest body POST / converts inline. 4 MiB of binary is 5.6 MB of base64, which fits
    /// Lambda's 6 MB synchronous payload with the event's headers.
    /// </summary>
    public int MaxInlineBytes { get; init; } = (int)PipelineSettings.MaxInlineBytes.FixedDefault;

    /// <summary>
    /// Largest encoded result POST / returns inline: its base64 (6 MB) must fit Lambda's 6 MB
    /// response payload. A grayscale PNG of a large photo can exceed it; such requests are
    /// pointed at POST /uploads.
    /// </summary>
    public int MaxInlineResultBytes { get; init; } = 4_500_000;

    /// <summary>
    /// The most memory one conversion may be given (see <see cref="Imaging.DecodeCost.Budget"/>):
    /// 60% of the function's memory, less the request's body and the answer it holds meanwhile;
    /// an image needing more is refused before it is decoded.
    /// </summary>
    public long MaxConversionBytes { get; init; } = 512L << 20;

    /// <summary>
    /// The CPU time a conversion may always take (more for an image whose size and format
    /// ordinarily take longer: see <see cref="Imaging.DecodeCost.Budget"/>): 2 s answers any
    /// inline image within the time a client waits, whatever its bytes make a decoder do.
    /// </summary>
    public int CpuSecondsPerImage { get; init; } = 2;

    /// <summary>Pixel limits of the imaging core.</summary>
    public ImagingLimits Imaging { get; init; } = new() { MaxPixels = PipelineSettings.MaxPixels.FixedDefault };

    /// <summary>
    /// The origin browsers may call the API from (CORS): sent as Access-Control-Allow-Origin
    /// on every answer, and preflight OPTIONS requests are answered. Unset: no CORS.
    /// </summary>
    public string? AllowedOrigin { get; init; }

    /// <summary>Reads the API's settings; throws <see cref="InvalidOperationException"/> naming a bad one.</summary>
    public static ApiOptions FromEnvironment(Func<string, string?> read)
    {
        var options = new ApiOptions
        {
            MaxInlineBytes = (int)PipelineSettings.MaxInlineBytes.Read(read),
            Imaging = new ImagingLimits { MaxPixels = PipelineSettings.MaxPixels.Read(read), Heic = PipelineSettings.Heic.Read(read) == 1 },
            AllowedOrigin = PipelineSettings.AllowedOrigin.Read(read),
        };
        return options with { MaxConversionBytes = PipelineSettings.MemoryBytes(read) * 6 / 10 - options.MaxInlineBytes - options.MaxInlineResultBytes };
    }
}
