namespace Pipeline.Storage;

/// <summary>The buckets of the pipeline and the limits that apply to stored objects.</summary>
public sealed record StorageOptions
{
    /// <summary>Where images arrive (presigned uploads, <c>aws s3 cp</c>); its ObjectCreated events feed the worker.</summary>
    public required string InputBucket { get; init; }

    /// <summary>Where grayscale results and .error.json reports are written. Never the input bucket, so the worker cannot trigger itself.</summary>
    public required string OutputBucket { get; init; }

    /// <summary>Largest object the worker processes and the largest upload a presigned URL allows: 50 MiB.</summary>
    public long MaxObjectBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>How long presigned upload and download URLs stay valid.</summary>
    public TimeSpan UrlExpiry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads PIPELINE_INPUT_BUCKET, PIPELINE_OUTPUT_BUCKET, PIPELINE_MAX_OBJECT_BYTES and PIPELINE_URL_EXPIRY_SECONDS.</summary>
    public static StorageOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var options = new StorageOptions
        {
            InputBucket = Required(read, "PIPELINE_INPUT_BUCKET"),
            OutputBucket = Required(read, "PIPELINE_OUTPUT_BUCKET"),
        };
        options = options with
        {
            MaxObjectBytes = Settings.Number(read, "PIPELINE_MAX_OBJECT_BYTES", options.MaxObjectBytes),
            UrlExpiry = TimeSpan.FromSeconds(Settings.Number(read, "PIPELINE_URL_EXPIRY_SECONDS", (long)options.UrlExpiry.TotalSeconds)),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (string.Equals(InputBucket, OutputBucket, StringComparison.Ordinal))
            throw new InvalidOperationException("PIPELINE_INPUT_BUCKET and PIPELINE_OUTPUT_BUCKET must differ: a worker writing where it is triggered would loop.");
        if (MaxObjectBytes < 1)
            throw new InvalidOperationException($"PIPELINE_MAX_OBJECT_BYTES must be positive, not {MaxObjectBytes}.");
        if (UrlExpiry < TimeSpan.FromSeconds(1) || UrlExpiry > TimeSpan.FromDays(7))
            throw new InvalidOperationException("PIPELINE_URL_EXPIRY_SECONDS must be between 1 and 604800 (SigV4's limit).");
    }

    private static string Required(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set.");
}
