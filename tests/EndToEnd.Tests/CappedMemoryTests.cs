using System.Globalization;
using System.Text.Json;
using Amazon.S3.Model;
using OpenCvSharp;
using Pipeline.Imaging;
using Pipeline.Jobs;
using Pipeline.Lambda;
using Pipeline.Worker.Events;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The worker's Native AOT bootstrap as Lambda runs it (with its converter processes), held to the
/// template's MemorySize by a memory cgroup, on the hostile corpus plus the largest images the
/// limits admit, and innocent photos batched with the inputs that used to kill it: every input
/// ends with its result or its report, and no process is ever killed for memory.
/// </summary>
public sealed class CappedMemoryTests : IAsyncLifetime
{
    private const int Side = 7071; // 7071 x 7071 = 49,999,041 pixels, just under the 50 MP limit
    private readonly ITestOutputHelper _output;
    private MotoServer _moto = null!;

    public CappedMemoryTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync() => _moto = await MotoServer.StartAsync();

    public async Task DisposeAsync() => await _moto.DisposeAsync();

    [Fact]
    public async Task At_the_deployed_memory_size_every_input_gets_its_result_or_report_and_nothing_is_killed()
    {
        var template = SamTemplate.Load();
        var worker = template.Properties("WorkerFunction");
        long memoryMegabytes = long.Parse(template.Value(worker.Children["MemorySize"]), CultureInfo.InvariantCulture); // the WorkerMemorySize default
        var concurrency = template.ParameterDefault("WorkerConcurrency");
        var prefix = $"capped-{Guid.NewGuid():N}/";

        var inputs = HostileCorpus.All.Values.ToDictionary(c => prefix + c.Name, c => c.Body);
        inputs[prefix + "tiff16-50mp.tiff"] = Bands(MatType.CV_16UC3, ".tiff", (int)ImwriteFlags.TiffCompression, 5); // LZW
        inputs[prefix + "png-50mp.png"] = Bands(MatType.CV_8UC3, ".png");
        inputs[prefix + "png16-50mp.png"] = Bands(MatType.CV_16UC3, ".png");
        // Read as 8x8 by a lenient reader and as 7000x7000 16-bit RGBA (392 MB) by libtiff, twice
        // in one batch with innocent photos; and the same image stated honestly.
        var hostile = new[] { "tiff-size-tags-repeated", "tiff-size-tags-long8" }.SelectMany(n => new[] { n + "-1", n + "-2" }).ToList();
        foreach (var name in hostile)
            inputs[prefix + "batch/" + name] = HostileCorpus.Get(name[..^2]).Body;
        inputs[prefix + "batch/tiff-7000x7000-rgba16-honest"] = TiffBuilder.Zeros(7000, 7000, 16, 4);
        var innocents = Directory.EnumerateFiles(Path.Combine(Artifacts.RepoRoot, "samples"), "*.jpg", SearchOption.AllDirectories)
            .Append(Path.Combine(Artifacts.RepoRoot, "kitty.jpg"))
            .ToDictionary(f => prefix + "batch/innocent " + Path.GetFileName(f), File.ReadAllBytes);
        foreach (var (key, body) in innocents)
            inputs[key] = body;
        var etags = new Dictionary<string, string>();
        foreach (var (key, body) in inputs)
            etags[key] = await _moto.PutAsync(_moto.InputBucket, key, body);

        await using var runtime = await FakeRuntimeApi.StartAsync();
        using var cgroup = new MemoryCgroup("pipeline-worker", memoryMegabytes * 1024 * 1024);
        var environment = new Dictionary<string, string>(_moto.Environment)
        {
            [RuntimeApiClient.EndpointVariable] = runtime.HostAndPort,
            ["LD_LIBRARY_PATH"] = Artifacts.OpenCvNativeDirectory,
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = memoryMegabytes.ToString(CultureInfo.InvariantCulture),
            ["PIPELINE_WORKER_CONCURRENCY"] = concurrency,
        };
        using var process = ChildProcess.Start("capped worker", "sh", ["-c", cgroup.EnterCommand, Artifacts.AotBootstrap("worker")], environment);

        // Batches of ten, as the event source mapping sends them: the hostile TIFFs with the
        // innocent photos, then the 50 MP images, then the corpus.
        var keys = inputs.Keys.OrderByDescending(k => k.Contains("/batch/", StringComparison.Ordinal))
            .ThenByDescending(k => k.Contains("50mp", StringComparison.Ordinal)).ThenBy(k => k, StringComparer.Ordinal).ToList();
        Assert.True(keys.Take(10).Count(k => k.Contains("/batch/", StringComparison.Ordinal)) == 10, "the hostile and innocent inputs share the first batch");
        foreach (var batch in keys.Chunk(10))
        {
            var answer = runtime.InvokeAsync(SqsBatch(batch.Select(k => (k, etags[k]))), timeout: TimeSpan.FromSeconds(60));
            var finished = await Task.WhenAny(answer, Task.Delay(TimeSpan.FromMinutes(2)));
            Assert.True(finished == answer && process.IsRunning, $"the worker {(process.IsRunning ? "did not answer" : $"exited ({process.ExitCode}), OOM kills: {cgroup.OomKills}")}:\n{process.Tail()}");
            var post = await answer;
            Assert.Equal("response", post.Kind);
            Assert.Empty(JsonSerializer.Deserialize(post.Body, WorkerJsonContext.Default.SQSBatchResponse)!.BatchItemFailures);
        }

        _output.WriteLine($"{inputs.Count} inputs; peak memory {cgroup.PeakBytes / 1e6:0} MB of {cgroup.LimitBytes / 1e6:0} MB");
        Assert.Equal(0, cgroup.OomKills);
        Assert.True(process.IsRunning);
        Assert.True(cgroup.PeakBytes < cgroup.LimitBytes);

        var outputs = await _moto.KeysAsync(_moto.OutputBucket, prefix);
        foreach (var key in inputs.Keys)
            Assert.True(outputs.Contains(key) ^ outputs.Contains(ObjectKeys.Error(key)), $"{key}: result and report were {outputs.Contains(key)} and {outputs.Contains(ObjectKeys.Error(key))}");
        Assert.Equal("too_many_pixels", await ReportCodeAsync(prefix + "tiff16-50mp.tiff"));
        foreach (var name in hostile)
            Assert.Equal("corrupt_image", await ReportCodeAsync(prefix + "batch/" + name));
        Assert.Equal("too_many_pixels", await ReportCodeAsync(prefix + "batch/tiff-7000x7000-rgba16-honest"));
        // Each innocent photo comes back exactly as it does alone (a tagged one colour-managed).
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var alone = new GrayscaleConverter(DefaultLimits.Imaging);
        foreach (var (key, body) in innocents)
        {
            var (bytes, _) = await _moto.GetAsync(_moto.OutputBucket, key);
            using var gray = PixelAssert.IsGray(bytes);
            using var expected = Cv2.ImDecode(alone.Convert(body).Bytes, ImreadModes.Grayscale);
            PixelAssert.Near(expected, gray, maxMeanError: 0);
        }
        foreach (var png in new[] { "png-50mp.png", "png16-50mp.png" })
        {
            var (bytes, _) = await _moto.GetAsync(_moto.OutputBucket, prefix + png);
            using var gray = Cv2.ImDecode(bytes, ImreadModes.Unchanged);
            Assert.Equal((Side, Side, 1), (gray.Width, gray.Height, gray.Channels()));
        }
    }

    /// <summary>A 50 MP image of eight flat colour bands: the largest image the limits admit, in a small file.</summary>
    private static byte[] Bands(MatType type, string extension, params int[] parameters) => TestImages.Bands(Side, type, extension, parameters);

    private byte[] SqsBatch(IEnumerable<(string Key, string ETag)> objects) =>
        S3Notifications.SqsEvent(1, objects.Select((o, i) => ("m" + i.ToString(CultureInfo.InvariantCulture), S3Notifications.ObjectCreated(_moto.InputBucket, o.Key, o.ETag))));

    private async Task<string?> ReportCodeAsync(string key)
    {
        var (bytes, _) = await _moto.GetAsync(_moto.OutputBucket, ObjectKeys.Error(key));
        return JsonDocument.Parse(bytes).RootElement.GetProperty("code").GetString();
    }
}
