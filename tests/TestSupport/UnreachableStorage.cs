using Amazon.Runtime;
using Amazon.S3;
using Pipeline.Jobs;

namespace Pipeline.Tests;

/// <summary>
/// A job store for handlers whose tests never mean to reach storage: its S3 client points at a
/// loopback port nothing listens on, so presigning works and every call to S3 fails at once
/// (the API answers 503) instead of reaching a real bucket.
/// </summary>
public static class UnreachableStorage
{
    /// <summary>The buckets the store names.</summary>
    public static StorageOptions Options { get; } = new() { InputBucket = "pipeline-input", OutputBucket = "pipeline-output" };

    /// <summary>A new store over a free port.</summary>
    public static JobStore Store()
    {
        var config = new AmazonS3Config { ServiceURL = $"http://127.0.0.1:{Tools.FreePort()}", ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        return new JobStore(new AmazonS3Client(new BasicAWSCredentials("test", "test"), config), Options, httpUrls: true, TimeProvider.System);
    }
}
