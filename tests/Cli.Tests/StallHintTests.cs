using System.Collections.Concurrent;
using Pipeline.Aws;
using Pipeline.Cli.Runs;
using Pipeline.Cli.Storage;
using Pipeline.Jobs;

namespace Pipeline.Tests.Cli;

/// <summary>
/// <c>convert</c> against a moto of its own where no worker runs: once everything is uploaded and
/// no job has finished for its stall time, it says that no worker seems to be converting and where
/// to look, instead of showing "converted 0" for ever.
/// </summary>
public sealed class StallHintTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("cli-stall-");
    private MotoServer _moto = null!;

    public async Task InitializeAsync() => _moto = await MotoServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _moto.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task With_no_worker_converting_convert_says_so_and_where_to_look()
    {
        var folder = Path.Combine(_dir.Path, "stalled");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "a.jpg"), TestImages.Jpeg(64, 48));
        var mapping = FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), prefix: null);
        var aws = AwsEnvironment.FromEnvironment(name => _moto.Environment.GetValueOrDefault(name));
        var store = new JobStore(aws.CreateS3Client(), new StorageOptions { InputBucket = _moto.InputBucket, OutputBucket = _moto.OutputBucket }, aws.UsesHttp, TimeProvider.System);
        using var uploader = new Uploader(aws.CreateS3Client(), _moto.InputBucket);
        var lines = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // the hint stops it far sooner
        var run = new ConvertRun(store, uploader, mapping, concurrency: 2, line =>
        {
            lines.Enqueue(line);
            if (line.Contains("pipeline backfill", StringComparison.Ordinal))
                stop.Cancel();
        })
        { StallHint = TimeSpan.FromSeconds(1) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.RunAsync(mapping.Files(), stop.Token));

        Assert.Contains(lines, l => l.StartsWith("no job has finished for 1 s while 1 wait: no worker seems to be converting.", StringComparison.Ordinal)
            && l.Contains("artifacts/logs/worker.log", StringComparison.Ordinal));
        Assert.Contains($"Objects stored while notifications were off need: pipeline backfill s3://{_moto.InputBucket}/stalled/", lines);
    }
}
