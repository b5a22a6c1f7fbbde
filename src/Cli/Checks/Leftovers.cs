using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.Cli.Checks;

/// <summary>
/// What a verify run wrote, as key prefixes of the input and output buckets, registered
/// before anything is written there; <see cref="DeleteAsync"/> removes every object under
/// them, inputs first (so the worker finds nothing more to convert), then outputs.
/// </summary>
public sealed class Leftovers
{
    private readonly ConcurrentQueue<(string Bucket, string Prefix)> _areas = new();

    /// <summary>Objects under <paramref name="prefix"/> in <paramref name="bucket"/> are this run's.</summary>
    public void Add(string bucket, string prefix) => _areas.Enqueue((bucket, prefix));

    /// <summary>The areas registered, e.g. <c>s3://pipeline-input/verify-…/</c>.</summary>
    public IEnumerable<string> Describe() => _areas.Select(a => $"s3://{a.Bucket}/{a.Prefix}").Distinct(StringComparer.Ordinal);

    /// <summary>Deletes every object under the registered prefixes, in <paramref name="inputBucket"/> first; returns how many, and the keys that remain.</summary>
    public async Task<(int Deleted, List<string> Remaining)> DeleteAsync(IAmazonS3 s3, string inputBucket, CancellationToken cancellationToken)
    {
        var areas = _areas.Distinct().OrderBy(a => a.Bucket == inputBucket ? 0 : 1).ToList();
        int deleted = 0;
        foreach (var (bucket, prefix) in areas)
        {
            var keys = await KeysAsync(s3, bucket, prefix, cancellationToken);
            foreach (var batch in keys.Chunk(1000))
            {
                var response = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = bucket,
                    Objects = [.. batch.Select(k => new KeyVersion { Key = k })],
                }, cancellationToken);
                deleted += response.DeletedObjects?.Count ?? 0;
            }
        }
        var remaining = new List<string>();
        foreach (var (bucket, prefix) in areas)
            remaining.AddRange((await KeysAsync(s3, bucket, prefix, cancellationToken)).Select(k => $"s3://{bucket}/{k}"));
        return (deleted, remaining);
    }

    private static async Task<List<string>> KeysAsync(IAmazonS3 s3, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }
}
