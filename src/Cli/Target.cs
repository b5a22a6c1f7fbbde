using Amazon.SQS;
using Pipeline.Aws;
using Pipeline.Cli.Storage;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Cli;

/// <summary>The deployed (or local) stack a command works on: AWS settings, the buckets and the worker's queue.</summary>
/// <param name="Aws">Endpoint, region and credentials.</param>
/// <param name="InputBucket">Where inputs go.</param>
/// <param name="OutputBucket">Where results and reports appear.</param>
/// <param name="Queue">The worker queue's name or URL, when known.</param>
public sealed record Target(AwsEnvironment Aws, string InputBucket, string OutputBucket, string? Queue)
{
    /// <summary>A job store over the stack's buckets.</summary>
    public JobStore CreateStore() =>
        new(Aws.CreateS3Client(), new StorageOptions { InputBucket = InputBucket, OutputBucket = OutputBucket }, Aws.UsesHttp, TimeProvider.System);

    /// <summary>An SQS client for the stack's endpoint.</summary>
    public AmazonSQSClient CreateSqsClient() => new(Aws.Configure(new AmazonSQSConfig()));

    /// <summary>
    /// The prefix of input keys <paramref name="location"/> names: a location in the input
    /// bucket, or the same keys in the output bucket; the whole input bucket when null.
    /// </summary>
    public string PrefixOf(string? location)
    {
        if (location is null)
            return "";
        var parsed = S3Location.Parse(location);
        if (parsed.Bucket != InputBucket && parsed.Bucket != OutputBucket)
            throw new PipelineException(ErrorCode.InvalidRequest, $"{location} is in neither the input bucket ({InputBucket}) nor the output bucket ({OutputBucket}).");
        return parsed.Prefix;
    }
}
