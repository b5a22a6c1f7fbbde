using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Cli.Runs;
using Pipeline.Jobs;

namespace Pipeline.Cli.Checks;

/// <summary>
/// The bucket way in, as <c>aws s3 cp</c> uses it: images and one corrupt file put under a
/// fresh prefix of the input bucket must each come back (gray results, the corrupt one's
/// <c>.error.json</c>), and <c>status</c> on the prefix must say finished.
/// </summary>
public sealed class BucketChecks
{
    private const int Images = 5;

    private readonly StackUnderTest _stack;
    private readonly IAmazonS3 _s3;
    private readonly JobStore _store;
    private readonly Leftovers _leftovers;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;

    /// <summary>Checks of <paramref name="stack"/>'s buckets under <paramref name="prefix"/>; <paramref name="timeout"/> bounds the wait for the worker.</summary>
    public BucketChecks(StackUnderTest stack, IAmazonS3 s3, Leftovers leftovers, string prefix, TimeSpan timeout)
    {
        _stack = stack;
        _s3 = s3;
        _store = stack.Target.CreateStore();
        _leftovers = leftovers;
        _prefix = prefix;
        _timeout = timeout;
    }

    /// <summary>The checks, in the order they run.</summary>
    public IEnumerable<Check> All() =>
    [
        new($"{Images} images and a corrupt file put in the input bucket come back, and status says finished", false, RoundTripAsync),
    ];

    private async Task RoundTripAsync(CancellationToken cancellationToken)
    {
        _leftovers.Add(_stack.Target.InputBucket, _prefix);
        _leftovers.Add(_stack.Target.OutputBucket, _prefix);
        var inputs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (int i = 0; i < Images; i++)
            inputs[_prefix + (i % 2 == 0 ? $"photo {i}.jpg" : $"ünï {i}.png")] = i % 2 == 0 ? GraySample.Jpeg(64 + (8 * i), 48, seed: i) : GraySample.Png(40, 56 + (4 * i), seed: i);
        var corrupt = _prefix + "corrupt.jpg";
        var whole = GraySample.Jpeg(64, 64);
        inputs[corrupt] = whole[..(whole.Length / 2)];

        var waiter = new JobWaiter(_store, _prefix);
        foreach (var (key, bytes) in inputs)
        {
            var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _stack.Target.InputBucket, Key = key, InputStream = new MemoryStream(bytes, writable: false) }, cancellationToken);
            waiter.Add(key, ObjectKeys.NormalizeETag(put.ETag), null);
        }

        var over = new List<JobState>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            await waiter.WaitAllAsync(Task.CompletedTask, round =>
            {
                over.AddRange(round.Over);
                if (round.Changed.Count > 0)
                    throw CheckException.Fail($"{round.Changed[0]} was overwritten or deleted by someone else while waiting");
                return Task.CompletedTask;
            }, _ => { }, deadline.Token);
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw CheckException.Fail($"{waiter.Count} of {inputs.Count} objects under s3://{_stack.Target.InputBucket}/{_prefix} got no result after {_timeout.TotalSeconds:0} s: {_stack.WorkerHint}");
        }

        foreach (var job in over.OrderBy(j => j.Key, StringComparer.Ordinal))
        {
            if (job.Key == corrupt)
            {
                if (job.Status != JobStatus.Failed || job.Error?.Code != "corrupt_image")
                    throw CheckException.Fail($"{job.Key} (truncated) should fail as corrupt_image; its job is {job.Status} {job.Error?.Code}");
                continue;
            }
            if (job.Status != JobStatus.Done)
                throw CheckException.Fail($"{job.Key} failed: {job.Error?.Code}: {job.Error?.Message}");
            using var output = await _s3.GetObjectAsync(_stack.Target.OutputBucket, ObjectKeys.Result(job.Key), cancellationToken);
            using var bytes = new MemoryStream();
            await output.ResponseStream.CopyToAsync(bytes, cancellationToken);
            if (GraySample.Mismatch(inputs[job.Key], bytes.ToArray()) is { } mismatch)
                throw CheckException.Fail($"{job.Key}: {mismatch}; the worker's conversion is wrong (see its log)");
        }

        var counts = JobCounts.Of(await _store.ListAsync(_prefix, cancellationToken));
        if ((counts.Converted, counts.Failed.Count, counts.Pending) != (Images, 1, 0))
            throw CheckException.Fail($"status says: {counts.Line(_stack.Target.InputBucket, _prefix)}; expected {Images} converted, 1 failed, 0 pending");
    }
}
