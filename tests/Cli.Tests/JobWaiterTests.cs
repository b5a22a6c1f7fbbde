using Pipeline.Aws;
using Pipeline.Cli.Runs;
using Pipeline.Jobs;

namespace Pipeline.Tests.Cli;

/// <summary>
/// The CLI's waiting against a moto of its own (no worker, no notifications): a job whose input is
/// overwritten or deleted before it finishes can never finish for the awaited version, and must
/// end the wait instead of holding it forever.
/// </summary>
public sealed class JobWaiterTests : IAsyncLifetime
{
    private readonly string _prefix = $"wait-{Guid.NewGuid():N}/";
    private MotoServer _moto = null!;
    private JobStore _store = null!;

    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        var aws = AwsEnvironment.FromEnvironment(name => _moto.Environment.GetValueOrDefault(name));
        _store = new JobStore(aws.CreateS3Client(), new StorageOptions { InputBucket = _moto.InputBucket, OutputBucket = _moto.OutputBucket }, aws.UsesHttp, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _moto.DisposeAsync();

    [Fact]
    public async Task Inputs_overwritten_or_deleted_before_their_job_finishes_end_the_wait_and_the_others_wait_on()
    {
        var kept = TestImages.Jpeg(64, 48, seed: 1);
        var keptETag = await _moto.PutAsync(_moto.InputBucket, _prefix + "kept.jpg", kept);
        var overwrittenETag = await _moto.PutAsync(_moto.InputBucket, _prefix + "overwritten.jpg", TestImages.Jpeg(64, 48, seed: 2));
        var deletedETag = await _moto.PutAsync(_moto.InputBucket, _prefix + "deleted.jpg", TestImages.Jpeg(64, 48, seed: 3));
        var waiter = new JobWaiter(_store, _prefix);
        waiter.Add(_prefix + "kept.jpg", keptETag, null);
        waiter.Add(_prefix + "overwritten.jpg", overwrittenETag, null);
        waiter.Add(_prefix + "deleted.jpg", deletedETag, null);

        await _moto.PutAsync(_moto.InputBucket, _prefix + "overwritten.jpg", TestImages.Jpeg(64, 48, seed: 4));
        await _moto.S3.DeleteObjectAsync(_moto.InputBucket, _prefix + "deleted.jpg");
        var first = await waiter.PollAsync(CancellationToken.None);

        Assert.Empty(first.Over);
        Assert.Equal([_prefix + "deleted.jpg", _prefix + "overwritten.jpg"], first.Changed.Order(StringComparer.Ordinal));
        Assert.Equal(1, waiter.Count);

        var source = new SourceObject(_moto.InputBucket, _prefix + "kept.jpg", keptETag, kept.Length);
        var attempt = (await _store.OpenAsync(source, CancellationToken.None)).Attempt!;
        await _store.CompleteAsync(attempt, new StoredImage(attempt.Bytes, "image/jpeg"), CancellationToken.None);
        var second = await waiter.PollAsync(CancellationToken.None);

        var done = Assert.Single(second.Over);
        Assert.Equal((_prefix + "kept.jpg", JobStatus.Done), (done.Key, done.Status));
        Assert.Empty(second.Changed);
        Assert.Equal(0, waiter.Count);
    }
}
