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
    public ImagingLimits Imaging { get; init; } = new();

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
    /// Bytes of decode memory concurrent conversions may hold together (see <see cref="DecodeBudget"/>):
    /// 60% of the function's memory in Lambda (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), leaving room
    /// for the runtime, the S3 buffers and OpenCV's own; 1 GiB elsewhere unless set.
    /// </summary>
    public long DecodeBudgetBytes { get; init; } = PipelineSettings.DecodeBudgetBytes.Default;

    /// <summary>
    /// The queue's maxReceiveCount. On a message's last receive, a failure that would send it
    /// to the dead-letter queue also leaves an .error.json, so a job does not stay pending.
    /// </summary>
    public int MaxReceiveCount { get; init; } = (int)PipelineSettings.MaxReceiveCount.Default;

    /// <summary>Reads the worker's settings; throws <see cref="InvalidOperationException"/> naming a bad one.</summary>
    public static WorkerOptions FromEnvironment(Func<string, string?> read)
    {
        long lambdaMemory = PipelineSettings.LambdaMemoryMegabytes.Read(read);
        return new WorkerOptions
        {
            Storage = StorageOptions.FromEnvironment(read),
            Imaging = ImagingLimits.FromEnvironment(read),
            MaxConcurrency = (int)PipelineSettings.WorkerConcurrency.Read(read),
            Quality = (int?)PipelineSettings.Quality.ReadOptional(read),
            DecodeBudgetBytes = PipelineSettings.DecodeBudgetBytes.Read(read, lambdaMemory > 0 ? lambdaMemory * 1024 * 1024 * 6 / 10 : null),
            MaxReceiveCount = (int)PipelineSettings.MaxReceiveCount.Read(read),
        };
    }
}
