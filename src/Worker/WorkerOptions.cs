using Pipeline.Imaging;
using Pipeline.Jobs;
using Pipeline.Settings;

namespace Pipeline.Worker;

/// <summary>The worker's configuration, read once at start and validated then (see <see cref="PipelineSettings"/>).</summary>
public sealed record WorkerOptions
{
    /// <summary>Buckets and object limits.</summary>
    public required StorageOptions Storage { get; init; }

    /// <summary>Pixel limits of the imaging core.</summary>
    public ImagingLimits Imaging { get; init; } = new() { MaxPixels = PipelineSettings.MaxPixels.FixedDefault };

    /// <summary>
    /// How many objects of one batch are processed at once. Decoding is CPU-bound, but each
    /// object also waits on two or three S3 round trips, so a little over the core count keeps
    /// the cores busy without holding many decoded images in memory.
    /// </summary>
    public int MaxConcurrency { get; init; } = (int)PipelineSettings.WorkerConcurrency.FixedDefault;

    /// <summary>
    /// JPEG and WebP quality of the results; null (PIPELINE_QUALITY unset) keeps a JPEG's luma
    /// losslessly where it can and encodes the rest at <see cref="GrayscaleConverter.DefaultQuality"/>.
    /// </summary>
    public int? Quality { get; init; }

    /// <summary>
    /// Bytes of decode memory concurrent conversions may hold together (see <see cref="DecodeBudget"/>);
    /// an image whose estimated peak exceeds it is refused with a report instead of risking the
    /// process. Its default is computed from the function's memory (see <see cref="PipelineSettings.DecodeBudgetBytes"/>).
    /// </summary>
    public required long DecodeBudgetBytes { get; init; }

    /// <summary>
    /// The queue's maxReceiveCount. On a message's last receive, a failure that would send it
    /// to the dead-letter queue also leaves an .error.json, so a job does not stay pending.
    /// </summary>
    public int MaxReceiveCount { get; init; } = (int)PipelineSettings.MaxReceiveCount.FixedDefault;

    /// <summary>
    /// The CPU time a conversion may always take (more for an image whose size and format
    /// ordinarily take longer: see <see cref="DecodeCost.Budget"/>): any object is converted or
    /// reported within 15 s of CPU, whatever its bytes make a decoder do.
    /// </summary>
    public int CpuSecondsPerImage { get; init; } = 15;

    /// <summary>Reads the worker's settings; throws <see cref="InvalidOperationException"/> naming a bad one.</summary>
    public static WorkerOptions FromEnvironment(Func<string, string?> read)
    {
        return new WorkerOptions
        {
            Storage = StorageOptions.FromEnvironment(read),
            Imaging = new ImagingLimits { MaxPixels = PipelineSettings.MaxPixels.Read(read), Heic = PipelineSettings.Heic.Read(read) == 1 },
            MaxConcurrency = (int)PipelineSettings.WorkerConcurrency.Read(read),
            Quality = (int?)PipelineSettings.Quality.ReadOptional(read),
            DecodeBudgetBytes = PipelineSettings.DecodeBudgetBytes.Read(read),
            MaxReceiveCount = (int)PipelineSettings.MaxReceiveCount.Read(read),
        };
    }
}
