using Pipeline.Imaging;

namespace Pipeline.Api;

/// <summary>The API function's configuration, read once at start and validated then.</summary>
public sealed record ApiOptions
{
    /// <summary>
    /// Largest body POST / converts inline. 4 MiB of binary is 5.6 MB of base64, which fits
    /// Lambda's 6 MB synchronous payload with the event's headers.
    /// </summary>
    public int MaxInlineBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// The most MaxInlineBytes may be: a body whose base64, with 8 KiB of event around it,
    /// still fits Lambda's 6 MiB payload. Larger bodies never reach the function, so a higher
    /// setting would only replace the function's JSON 413 by the platform's error.
    /// </summary>
    public const int InlineBytesCeiling = (6 * 1024 * 1024 - 8 * 1024) / 4 * 3;

    /// <summary>
    /// Largest encoded result POST / returns inline: its base64 (6 MB) must fit Lambda's 6 MB
    /// response payload. A grayscale PNG of a large photo can exceed it; such requests are
    /// pointed at POST /uploads.
    /// </summary>
    public int MaxInlineResultBytes { get; init; } = 4_500_000;

    /// <summary>Pixel limits of the imaging core.</summary>
    public ImagingLimits Imaging { get; init; } = new();

    /// <summary>
    /// When set, every route but GET /health needs this value in x-api-key. Deployed, API
    /// Gateway's own API keys do this job and this stays unset.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// The origin browsers may call the API from (CORS): sent as Access-Control-Allow-Origin
    /// on every answer, and preflight OPTIONS requests are answered. Unset: no CORS.
    /// </summary>
    public string? AllowedOrigin { get; init; }

    /// <summary>Reads PIPELINE_* variables; throws on a value that is present but invalid.</summary>
    public static ApiOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var options = new ApiOptions();
        options = options with
        {
            MaxInlineBytes = Settings.Bounded(read, "PIPELINE_MAX_INLINE_BYTES", options.MaxInlineBytes, 1, InlineBytesCeiling),
            Imaging = ImagingLimits.FromEnvironment(read),
            ApiKey = read("PIPELINE_API_KEY") is { Length: > 0 } key ? key : null,
            AllowedOrigin = read("PIPELINE_ALLOWED_ORIGIN") is { Length: > 0 } origin ? origin : null,
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxInlineBytes is < 1 or > InlineBytesCeiling)
            throw new InvalidOperationException($"PIPELINE_MAX_INLINE_BYTES must be between 1 and {InlineBytesCeiling} (its base64 must fit Lambda's 6 MiB payload), not {MaxInlineBytes}.");
        if (ApiKey is not null && ApiKey.Length < 16)
            throw new InvalidOperationException("PIPELINE_API_KEY must be at least 16 characters when set.");
        Imaging.Validate();
    }
}
