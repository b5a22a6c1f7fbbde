using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using Pipeline.Jobs;
using Pipeline.Tests;
using Xunit;

namespace Pipeline.Bench;

/// <summary>The local worker's settings: SQS pollers (--pollers) and objects in flight per batch (PIPELINE_WORKER_CONCURRENCY).</summary>
public sealed record BulkConfig(int Pollers, int Concurrency);

/// <summary>One folder's trip through the local pipeline.</summary>
public sealed class BulkResult
{
    /// <summary>The worker's settings.</summary>
    public required BulkConfig Config { get; init; }
    /// <summary>Images copied.</summary>
    public required int Images { get; init; }
    /// <summary>From the start of `aws s3 cp` until every output was present.</summary>
    public required TimeSpan Wall { get; init; }
    /// <summary>How long `aws s3 cp --recursive` itself took.</summary>
    public required TimeSpan Upload { get; init; }
    /// <summary>CPU time of the worker process over <see cref="Wall"/>.</summary>
    public required TimeSpan WorkerCpu { get; init; }
    /// <summary>CPU time of moto_server over <see cref="Wall"/>.</summary>
    public required TimeSpan MotoCpu { get; init; }
    /// <summary>CPU time of the AWS CLI.</summary>
    public required TimeSpan CliCpu { get; init; }
    /// <summary>Busy cores of the whole machine over <see cref="Wall"/> (other users included).</summary>
    public required double MachineBusyCores { get; init; }

    /// <summary>The worker's own time per object (S3 round trips and conversion), from its log.</summary>
    public required Samples ObjectMs { get; init; }
    /// <summary>HTTP requests moto logged over <see cref="Wall"/>, S3's and SQS's together.</summary>
    public required int MotoRequests { get; init; }
    /// <summary>Messages per invocation, from the event source's log.</summary>
    public required Samples BatchSizes { get; init; }

    /// <summary>Throughput.</summary>
    public double ImagesPerSecond => Images / Wall.TotalSeconds;

    /// <summary>Average cores a CPU time kept busy over the window.</summary>
    public double Cores(TimeSpan cpu) => cpu / Wall;
}

/// <summary>
/// A folder of 1 MP JPEGs through the local pipeline, as a user runs it: moto with the
/// template's notification, `pipeline-local worker` (the SQS event source emulation) and
/// `aws s3 cp --recursive`, timed until every grayscale output is in the output bucket.
/// </summary>
public static class BulkBenchmark
{
    /// <summary>Writes <paramref name="count"/> distinct 1024x768 JPEGs: crops of one large scene.</summary>
    public static string WriteFolder(string directory, int count)
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        using var scene = PhotoImages.Scene(3072, 2304, seed: 7);
        var random = new Random(7);
        for (int i = 0; i < count; i++)
        {
            using var crop = new Mat(scene, new Rect(random.Next(3072 - 1024), random.Next(2304 - 768), 1024, 768));
            File.WriteAllBytes(Path.Combine(directory, $"photo-{i:000}.jpg"), PhotoImages.Encode(crop));
        }
        return directory;
    }

    /// <summary>Starts a worker with <paramref name="config"/>, copies the folder in, and waits for every output.</summary>
    public static async Task<BulkResult> RunAsync(MotoServer aws, string folder, BulkConfig config, Action<string> progress)
    {
        int images = Directory.GetFiles(folder).Length;
        var prefix = $"bulk-p{config.Pollers}-c{config.Concurrency}-{Guid.NewGuid():N}/";
        var environment = new Dictionary<string, string>(aws.Environment)
        {
            ["PIPELINE_WORKER_CONCURRENCY"] = config.Concurrency.ToString(CultureInfo.InvariantCulture),
        };
        using var worker = ChildProcess.Start("worker", "dotnet",
            [LocalHostDll, "worker", "--pollers", config.Pollers.ToString(CultureInfo.InvariantCulture)], environment);
        await worker.WaitForLineAsync(l => l.Contains("local worker polling", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await WarmUpAsync(aws, folder, prefix);
        int objectLogsBefore = LogField(worker, "object", "ms").Count, batchLogsBefore = LogField(worker, "batch", "messages").Count;

        int requestsBefore = MotoRequests(aws);
        var window = new CpuWindow(worker.Id, aws.Process.Id);
        var cliBefore = ProcStats.ChildrenCpuTime();
        var clock = Stopwatch.StartNew();
        var upload = Task.Run(async () =>
        {
            var result = await Tools.RunAsync("aws", ["--endpoint-url", aws.Endpoint, "s3", "cp", folder, $"s3://{aws.InputBucket}/{prefix}", "--recursive", "--only-show-errors"],
                aws.Environment, timeout: TimeSpan.FromMinutes(5));
            return (result, clock.Elapsed);
        });

        int present = 0, errors = 0;
        while (present < images)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5) || !worker.IsRunning)
                throw new TimeoutException($"{present} of {images} outputs after {clock.Elapsed}:\n{worker.Tail()}");
            await Task.Delay(250);
            var outputs = await aws.KeysAsync(aws.OutputBucket, prefix);
            (present, errors) = (outputs.Count, outputs.Count(k => k.EndsWith(ObjectKeys.ErrorSuffix, StringComparison.Ordinal)));
        }
        var (wall, cpu, machineBusy) = window.Read();
        int requests = MotoRequests(aws) - requestsBefore;
        var (cli, uploaded) = await upload;
        Assert.True(cli.ExitCode == 0, "aws s3 cp failed: " + cli.Stderr);
        var cliCpu = ProcStats.ChildrenCpuTime() - cliBefore;

        Assert.True(errors == 0, $"{errors} inputs were rejected:\n{worker.Tail()}");
        foreach (var name in Directory.GetFiles(folder).Order(StringComparer.Ordinal).Take(3).Select(Path.GetFileName))
        {
            using var gray = PixelAssert.IsGray((await aws.GetAsync(aws.OutputBucket, ObjectKeys.Result(prefix + name))).Bytes);
            Assert.Equal(new Size(1024, 768), gray.Size());
        }

        var outcome = new BulkResult
        {
            Config = config,
            Images = images,
            Wall = wall,
            Upload = uploaded,
            WorkerCpu = cpu[0],
            MotoCpu = cpu[1],
            CliCpu = cliCpu,
            MachineBusyCores = machineBusy,
            MotoRequests = requests,
            ObjectMs = LogField(worker, "object", "ms", skip: objectLogsBefore),
            BatchSizes = LogField(worker, "batch", "messages", skip: batchLogsBefore),
        };
        progress($"bulk pollers {config.Pollers}, concurrency {config.Concurrency}: {images} images in {wall.TotalSeconds.Text("0.0")} s = {outcome.ImagesPerSecond.Text()} images/s; worker {outcome.Cores(outcome.WorkerCpu).Text("0.00")} cores, moto {outcome.Cores(outcome.MotoCpu).Text("0.00")} cores");
        await worker.StopAsync();
        return outcome;
    }

    /// <summary>
    /// A few images first, outside the measured window: a fresh worker JIT-compiles the AWS SDK's
    /// request path on its first objects, which a long-running poller pays once.
    /// </summary>
    private static async Task WarmUpAsync(MotoServer aws, string folder, string prefix)
    {
        var warmPrefix = "warm-up-" + prefix;
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Take(20).ToList();
        foreach (var file in files)
            await aws.PutAsync(aws.InputBucket, warmPrefix + Path.GetFileName(file), File.ReadAllBytes(file));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await aws.KeysAsync(aws.OutputBucket, warmPrefix)).Count < files.Count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the worker did not convert the warm-up images");
            await Task.Delay(250);
        }
    }

    /// <summary>Requests moto has logged so far (werkzeug's access log: one line per request).</summary>
    private static int MotoRequests(MotoServer aws) => aws.Process.Lines.Count(l => l.Contains(" HTTP/1.1\" ", StringComparison.Ordinal));

    /// <summary>A numeric field of the worker's JSON log records with the message <paramref name="message"/>, after the first <paramref name="skip"/>.</summary>
    private static Samples LogField(ChildProcess worker, string message, string field, int skip = 0)
    {
        var samples = new Samples();
        foreach (var line in worker.Lines.Where(l => l.StartsWith('{')))
        {
            using var record = JsonDocument.Parse(line);
            // Metric records (Embedded Metric Format) share the stream and carry no msg.
            if (record.RootElement.TryGetProperty("msg", out var msg) && msg.GetString() == message && skip-- <= 0)
                samples.Add(record.RootElement.GetProperty(field).GetDouble());
        }
        return samples;
    }

    private static string LocalHostDll
    {
        get
        {
            var dll = Path.Combine(Artifacts.RepoRoot, "src", "Local", "bin", "Release", "net10.0", "pipeline-local.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: dotnet build src/Local -c Release");
        }
    }
}
