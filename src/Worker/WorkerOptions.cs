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
    public long DecodeBudgetBytes { get; init; } = 1L << 30;

    /// <summary>
    /// The queue's maxReceiveCount. On a message's last receive, a failure that would send it
    /// to the dead-letter queue also leaves an .error.json, so a job does not stay pending.
    /// </summary>
    public int MaxReceiveCount { get; init; } = 3;

    /// <summary>Reads PIPELINE_* variables (see StorageOptions for the bucket ones); throws on an invalid value.</summary>
    public static WorkerOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var options = new WorkerOptions { Storage = StorageOptions.FromEnvironment(read), Imaging = ImagingLimits.FromEnvironment(read) };
        long lambdaMemory = Settings.Number(read, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0); // MB, set by Lambda
        options = options with
        {
            MaxConcurrency = Settings.Bounded(read, "PIPELINE_WORKER_CONCURRENCY", options.MaxConcurrency, 1, 64),
            Quality = string.IsNullOrWhiteSpace(read("PIPELINE_QUALITY")) ? null : Settings.Bounded(read, "PIPELINE_QUALITY", 0, 1, 100),
            DecodeBudgetBytes = Settings.Number(read, "PIPELINE_DECODE_BUDGET_BYTES",
                lambdaMemory > 0 ? lambdaMemory * 1024 * 1024 * 6 / 10 : options.DecodeBudgetBytes),
            MaxReceiveCount = Settings.Bounded(read, "PIPELINE_MAX_RECEIVE_COUNT", options.MaxReceiveCount, 1, 1000),
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
        if (DecodeBudgetBytes < 1)
            throw new InvalidOperationException($"PIPELINE_DECODE_BUDGET_BYTES must be positive, not {DecodeBudgetBytes}.");
        if (Quality is < 1 or > 100)
            throw new InvalidOperationException($"PIPELINE_QUALITY must be between 1 and 100, not {Quality}.");
    }
}
