using System.Diagnostics;
using System.Text.Json;
using Pipeline.Tests;
using Xunit;

namespace Pipeline.Bench;

/// <summary>One way of starting the API function: a name, the executable and its arguments, extra environment, and its own event if not the common one.</summary>
public sealed record StartVariant(string Name, string Executable, string[] Arguments, Dictionary<string, string> Environment, byte[]? Event = null);

/// <summary>Cold starts of one variant.</summary>
public sealed class ColdStartResult
{
    /// <summary>The variant.</summary>
    public required StartVariant Variant { get; init; }
    /// <summary>Milliseconds from process start to the first invocation's response.</summary>
    public Samples FirstResponseMs { get; } = new();
    /// <summary>VmHWM after the first response.</summary>
    public Samples Peak { get; } = new();
}

/// <summary>
/// Process start → first 1 MP grayscale invocation answered over the fake Runtime API, for the
/// AOT bootstrap and JIT builds of the same API function. The event is queued before the
/// process starts, so the time is init plus the first (cold) invocation, as Lambda bills a
/// cold start. Variants alternate run by run; one unrecorded run each warms the page cache.
/// </summary>
public static class ColdStartBenchmark
{
    /// <summary>
    /// The variants: AOT, JIT with the layer's OpenCV, JIT as built (NuGet's OpenCV, GTK and all),
    /// and AOT answering <paramref name="reencodeEvent"/> (a named quality: OpenCV decodes and encodes).
    /// </summary>
    public static List<StartVariant> Variants(string workDirectory, byte[] reencodeEvent)
    {
        var root = Artifacts.RepoRoot;
        var layer = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = MemoryBenchmark.LayerLibraries };
        var built = Path.Combine(root, "src", "Api", "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(built, "Pipeline.Api.dll")))
            throw new InvalidOperationException($"{built}/Pipeline.Api.dll is missing: build src/Api in Release first");

        // The JIT build with the layer's library beside it, where OpenCvRuntime's resolver looks
        // first: what a managed-runtime deployment would ship, since AL2023 has no GTK.
        var withLayer = Path.Combine(workDirectory, "jit-api");
        if (Directory.Exists(withLayer))
            Directory.Delete(withLayer, recursive: true);
        CopyDirectory(built, withLayer);
        File.Copy(Path.Combine(MemoryBenchmark.LayerLibraries, "libOpenCvSharpExtern.so"), Path.Combine(withLayer, "libOpenCvSharpExtern.so"));
        // A host run by dotnet converts in the converter assembly beside it (ConverterCommand),
        // which the API project does not build: the bench's own Release build of it joins both.
        var asBuilt = Path.Combine(workDirectory, "jit-api-as-built");
        if (Directory.Exists(asBuilt))
            Directory.Delete(asBuilt, recursive: true);
        CopyDirectory(built, asBuilt);
        var converter = Path.Combine(root, "src", "Converter", "bin", "Release", "net10.0");
        foreach (var directory in new[] { withLayer, asBuilt })
        {
            foreach (var file in Directory.EnumerateFiles(converter, "Pipeline.Converter.*"))
                File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        return
        [
            new("AOT bootstrap (artifacts/aot/api, layer OpenCV)", Artifacts.AotBootstrap("api"), [], layer),
            new("JIT dotnet Pipeline.Api.dll (layer OpenCV)", "dotnet", [Path.Combine(withLayer, "Pipeline.Api.dll")], layer),
            new("JIT dotnet Pipeline.Api.dll (as built: NuGet OpenCV + GTK)", "dotnet", [Path.Combine(asBuilt, "Pipeline.Api.dll")], []),
            new("AOT bootstrap, ?quality=90 (loads the layer's OpenCV)", Artifacts.AotBootstrap("api"), [], layer, reencodeEvent),
        ];
    }

    /// <summary>Runs every variant <paramref name="runs"/> times, interleaved.</summary>
    public static async Task<List<ColdStartResult>> RunAsync(IReadOnlyList<StartVariant> variants, byte[] eventJson, IReadOnlyDictionary<string, string> environment, int runs, Action<string> progress)
    {
        var results = variants.Select(v => new ColdStartResult { Variant = v }).ToList();
        for (int run = -1; run < runs; run++)
        {
            int offset = (run + 1) % results.Count;
            foreach (var result in results.Skip(offset).Concat(results.Take(offset)))
            {
                var (ms, peak) = await OnceAsync(result.Variant, eventJson, environment);
                if (run < 0)
                    continue; // page cache warm-up
                result.FirstResponseMs.Add(ms);
                result.Peak.Add(peak);
            }
            if (run >= 0)
                progress($"cold start run {run + 1}/{runs}: " + string.Join("  ", results.Select(r => $"{r.FirstResponseMs.Median.Text("0")} ms")));
        }
        return results;
    }

    private static async Task<(double Ms, long Peak)> OnceAsync(StartVariant variant, byte[] eventJson, IReadOnlyDictionary<string, string> environment)
    {
        await using var runtime = await FakeRuntimeApi.StartAsync();
        var reply = runtime.InvokeAsync((variant.Event ?? eventJson).ToArray());
        var variables = new Dictionary<string, string>(environment) { ["AWS_LAMBDA_RUNTIME_API"] = runtime.HostAndPort };
        foreach (var (name, value) in variant.Environment)
            variables[name] = value;

        long started = Stopwatch.GetTimestamp();
        using var process = ChildProcess.Start("api", variant.Executable, variant.Arguments, variables);
        var answer = await reply.WaitAsync(TimeSpan.FromSeconds(60));
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        long peak = PeakMemory.Bytes(process.Id);

        Assert.True(answer.Kind == "response", $"{variant.Name} answered {answer.Kind}:\n{process.Tail()}");
        using var document = JsonDocument.Parse(answer.Body);
        Assert.True(document.RootElement.GetProperty("statusCode").GetInt32() == 200, $"{variant.Name}: {System.Text.Encoding.UTF8.GetString(answer.Body)[..200]}");
        return (ms, peak);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
