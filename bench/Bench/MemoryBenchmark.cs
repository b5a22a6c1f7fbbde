using System.Text.Json.Nodes;
using OpenCvSharp;
using Pipeline.Jobs;
using Pipeline.Tests;
using Xunit;

namespace Pipeline.Bench;

/// <summary>A test image for the worker: a label, its size and its JPEG bytes.</summary>
public sealed record BenchImage(string Label, int Width, int Height, byte[] Jpeg);

/// <summary>Peak memory of the AOT worker for one image.</summary>
public sealed class MemoryResult
{
    /// <summary>The image.</summary>
    public required BenchImage Image { get; init; }
    /// <summary>VmHWM once the bootstrap asked for its first invocation (initialised, idle).</summary>
    public Samples InitPeak { get; } = new();
    /// <summary>VmHWM after the invocation was answered.</summary>
    public Samples Peak { get; } = new();
    /// <summary>Milliseconds from queueing the event to the response.</summary>
    public Samples InvokeMs { get; } = new();
    /// <summary>Whether the result decoded to exactly the input's luma (the lossless path).</summary>
    public bool Lossless { get; set; }
}

/// <summary>
/// The AOT worker bootstrap (artifacts/aot/worker/bootstrap, the layer's OpenCV on
/// LD_LIBRARY_PATH) against the fake Runtime API and moto: a fresh process per run gets one
/// SQS event carrying an S3 ObjectCreated notification, and VmHWM is read once the response arrived.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>Runs each image <paramref name="runs"/> times.</summary>
    public static async Task<List<MemoryResult>> RunAsync(MotoServer aws, IEnumerable<BenchImage> images, int runs, Action<string> progress)
    {
        var bootstrap = Artifacts.AotBootstrap("worker");
        var results = new List<MemoryResult>();
        foreach (var image in images)
        {
            var key = $"bench/memory/{image.Label}.jpg";
            var etag = await aws.PutAsync(aws.InputBucket, key, image.Jpeg);
            var result = new MemoryResult { Image = image };
            for (int run = 0; run < runs; run++)
            {
                // A result for this ETag would make the worker skip the object as already done.
                await aws.S3.DeleteObjectAsync(aws.OutputBucket, ObjectKeys.Result(key));
                await using var runtime = await FakeRuntimeApi.StartAsync();
                using var worker = StartBootstrap(bootstrap, runtime, aws.Environment);
                await WaitForInitAsync(runtime, worker);
                result.InitPeak.Add(PeakMemory.Bytes(worker.Id));

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var reply = await runtime.InvokeAsync(S3Notifications.SqsEvent(1, (Guid.NewGuid().ToString(), S3Notifications.ObjectCreated(aws.InputBucket, key, etag, image.Jpeg.Length))), timeout: TimeSpan.FromMinutes(2))
                    .WaitAsync(TimeSpan.FromMinutes(3));
                result.InvokeMs.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                result.Peak.Add(PeakMemory.Bytes(worker.Id));
                Assert.True(reply.Kind == "response", $"the worker answered {reply.Kind}: {System.Text.Encoding.UTF8.GetString(reply.Body)}\n{worker.Tail()}");
                if (run == 0)
                {
                    using var gray = PixelAssert.IsGray((await aws.GetAsync(aws.OutputBucket, ObjectKeys.Result(key))).Bytes);
                    Assert.Equal(new Size(image.Width, image.Height), gray.Size());
                    using var luma = Cv2.ImDecode(image.Jpeg, ImreadModes.Grayscale);
                    result.Lossless = Cv2.Norm(luma, gray, NormTypes.INF) == 0; // PIPELINE_QUALITY unset: the lossless path
                }
                progress($"memory {image.Label} run {run + 1}/{runs}: init {MedianMiB(result.InitPeak)}, peak {MedianMiB(result.Peak)}, {result.InvokeMs.Median.Text("0")} ms");
            }
            results.Add(result);
        }
        return results;
    }

    /// <summary>Starts an AOT bootstrap against <paramref name="runtime"/>, loading OpenCV from the layer.</summary>
    public static ChildProcess StartBootstrap(string executable, FakeRuntimeApi runtime, IReadOnlyDictionary<string, string> environment)
    {
        var variables = new Dictionary<string, string>(environment)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtime.HostAndPort,
            ["LD_LIBRARY_PATH"] = LayerLibraries,
        };
        return ChildProcess.Start(Path.GetFileName(executable), executable, [], variables);
    }

    /// <summary>artifacts/layer/lib, as scripts/build-layer.sh leaves it (a layer's /opt/lib).</summary>
    public static string LayerLibraries => Path.Combine(Artifacts.RepoRoot, "artifacts", "layer", "lib");

    private static async Task WaitForInitAsync(FakeRuntimeApi runtime, ChildProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (runtime.NextRequests == 0)
        {
            if (!process.IsRunning || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{process.Name} did not ask for an invocation:\n{process.Tail()}");
            await Task.Delay(10);
        }
    }

    private static string MedianMiB(Samples samples) => ((long)samples.Median).MiB();
}
