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
    public ImagingLimits Imaging { get; init; } = new() { MaxPixels = PipelineSettings.MaxPixels.Default };

    /// <summary>
    /// How many objects of one batch are processed at once. Decoding is CPU-bound, but each
    /// object also waits on two or three S3 round trips, so a little over the core count keeps
    /// the cores busy without holding many decoded images in memory.
    /// </summary>
    public int MaxConcurrency { get; init; } = (int)PipelineSettings.WorkerConcurrency.Default;

    /// <summary>
    /// JPEG and WebP quality of the results; null (PIPELINE_QUALITY unset) keeps a JPEG's luma
    /// losslessly where it can and encodes the rest at <see cref="GrayscaleConverter.DefaultQuality"/>.
    /// </summary>
    public int? Quality { get; init; }

    /// <summary>
    /// Bytes of decode memory concurrent conversions may hold together (see <see cref="DecodeBudget"/>);
    /// an image whose estimated peak exceeds it is refused with a report instead of risking the
    /// process. See <see cref="FromEnvironment"/> for the default.
    /// </summary>
    public long DecodeBudgetBytes { get; init; } = PipelineSettings.DecodeBudgetBytes.Default;

    /// <summary>
    /// The queue's maxReceiveCount. On a message's last receive, a failure that would send it
    /// to the dead-letter queue also leaves an .error.json, so a job does not stay pending.
    /// </summary>
    public int MaxReceiveCount { get; init; } = (int)PipelineSettings.MaxReceiveCount.Default;

    /// <summary>
    /// The CPU time a conversion may always take (more for an image whose size and format
    /// ordinarily take longer: see <see cref="DecodeCost.Budget"/>): any object is converted or
    /// reported within 15 s of CPU, whatever its bytes make a decoder do.
    /// </summary>
    public int CpuSecondsPerImage { get; init; } = 15;

    /// <summary>The least decode memory the worker starts with.</summary>
    public const long MinDecodeBudgetBytes = 64L * 1024 * 1024;

    /// <summary>Reads the worker's settings; throws <see cref="InvalidOperationException"/> naming a bad one.</summary>
    public static WorkerOptions FromEnvironment(Func<string, string?> read)
    {
        var storage = StorageOptions.FromEnvironment(read);
        int concurrency = (int)PipelineSettings.WorkerConcurrency.Read(read);
        return new WorkerOptions
        {
            Storage = storage,
            Imaging = new ImagingLimits { MaxPixels = PipelineSettings.MaxPixels.Read(read), Heic = PipelineSettings.Heic.Read(read) == 1 },
            MaxConcurrency = concurrency,
            Quality = (int?)PipelineSettings.Quality.ReadOptional(read),
            DecodeBudgetBytes = PipelineSettings.DecodeBudgetBytes.ReadOptional(read) ?? DefaultDecodeBudget(read, concurrency, storage.MaxObjectBytes),
            MaxReceiveCount = (int)PipelineSettings.MaxReceiveCount.Read(read),
        };
    }

    /// <summary>
    /// 60% of the function's memory (of the machine's, outside Lambda), less what the inputs
    /// being read may hold: every object of a batch in flight is a buffer of up to
    /// PIPELINE_MAX_OBJECT_BYTES. What is left is what conversions may hold together, so
    /// everything the worker holds stays inside its memory.
    /// </summary>
    private static long DefaultDecodeBudget(Func<string, string?> read, int concurrency, long maxObjectBytes)
    {
        long lambdaMegabytes = PipelineSettings.LambdaMemoryMegabytes.Read(read);
        long memory = lambdaMegabytes > 0 ? lambdaMegabytes * 1024 * 1024 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long budget = memory * 6 / 10 - concurrency * maxObjectBytes;
        if (budget < MinDecodeBudgetBytes)
        {
            throw new InvalidOperationException(
                $"{concurrency} objects of up to {maxObjectBytes} bytes in flight leave no room to decode in {memory / (1024 * 1024)} MB: "
                + $"lower {PipelineSettings.WorkerConcurrency.Name} or {PipelineSettings.MaxObjectBytes.Name}, or give the function more memory.");
        }
        return budget;
    }
}
