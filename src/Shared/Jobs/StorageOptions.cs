using Pipeline.Settings;

namespace Pipeline.Jobs;

/// <summary>The buckets of the pipeline and the limits that apply to stored objects.</summary>
public sealed record StorageOptions
{
    /// <summary>Where images arrive (presigned uploads, <c>aws s3 cp</c>); its ObjectCreated events feed the worker.</summary>
    public required string InputBucket { get; init; }

    /// <summary>Where grayscale results and .error.json reports are written. Never the input bucket, so the worker cannot trigger itself.</summary>
    public required string OutputBucket { get; init; }

    /// <summary>Largest object the worker processes and the largest upload a presigned URL allows.</summary>
    public long MaxObjectBytes { get; init; } = PipelineSettings.MaxObjectBytes.FixedDefault;

    /// <summary>How long presigned upload and download URLs stay valid.</summary>
    public TimeSpan UrlExpiry { get; init; } = TimeSpan.FromSeconds(PipelineSettings.UrlExpirySeconds.FixedDefault);

    /// <summary>Reads the bucket and object settings; throws <see cref="InvalidOperationException"/> naming a bad one.</summary>
    public static StorageOptions FromEnvironment(Func<string, string?> read)
    {
        var options = new StorageOptions
        {
            InputBucket = PipelineSettings.InputBucket.Read(read)!,
            OutputBucket = PipelineSettings.OutputBucket.Read(read)!,
            MaxObjectBytes = PipelineSettings.MaxObjectBytes.Read(read),
            UrlExpiry = TimeSpan.FromSeconds(PipelineSettings.UrlExpirySeconds.Read(read)),
        };
        if (string.Equals(options.InputBucket, options.OutputBucket, StringComparison.Ordinal))
            throw new InvalidOperationException($"{PipelineSettings.InputBucket.Name} and {PipelineSettings.OutputBucket.Name} must differ: a worker writing where it is triggered would loop.");
        return options;
    }
}
