using Pipeline.Imaging;
using Pipeline.Storage;

namespace Pipeline.Worker;

/// <summary>The worker's configuration, read once at start and validated then.</summary>
public sealed record WorkerOptions
{
    /// <summary>Buckets and object limits.</summary>
    public required StorageOptions Storage { get; init; }

    /// <summary>Pixel limits of the imaging core.</summary>
    public ImagingLimits Imaging { get; init; } = new();

    /// <summary>
    /// How many objects of one batch are processed at once. Decoding is CPU-bound, but each
    /// object also waits on two or three S3 round trips, so a little over the core count keeps
    /// the cores busy without holding many decoded images in memory.
    /// </summary>
    public int MaxConcurrency { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>JPEG and WebP quality of the results.</summary>
    public int Quality { get; init; } = GrayscaleConverter.DefaultQuality;

    /// <summary>Reads PIPELINE_* variables (see StorageOptions for the bucket ones); throws on an invalid value.</summary>
    public static WorkerOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var defaults = new WorkerOptions { Storage = null! };
        var options = new WorkerOptions
        {
            Storage = StorageOptions.FromEnvironment(read),
            Imaging = new ImagingLimits { MaxPixels = Settings.Number(read, "PIPELINE_MAX_PIXELS", defaults.Imaging.MaxPixels) },
            MaxConcurrency = (int)Settings.Number(read, "PIPELINE_WORKER_CONCURRENCY", defaults.MaxConcurrency),
            Quality = (int)Settings.Number(read, "PIPELINE_QUALITY", defaults.Quality),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the bad setting.</summary>
    public void Validate()
    {
        Storage.Validate();
        Imaging.Validate();
        if (MaxConcurrency is < 1 or > 64)
            throw new InvalidOperationException($"PIPELINE_WORKER_CONCURRENCY must be between 1 and 64, not {MaxConcurrency}.");
        if (Quality is < 1 or > 100)
            throw new InvalidOperationException($"PIPELINE_QUALITY must be between 1 and 100, not {Quality}.");
    }
}
