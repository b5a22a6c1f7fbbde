using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;
using Pipeline.Tests;
using Xunit;

namespace Pipeline.Bench;

/// <summary>One WebP input: its label and pixels, and whether it is lossless.</summary>
public sealed record WebPInput(string Label, int Width, int Height, bool Lossless, byte[] Bytes, int Rounds);

/// <summary>The outcome for one WebP input: both peers' call times, libwebp's own times and the output checks.</summary>
public sealed class WebPResult
{
    /// <summary>The input.</summary>
    public required WebPInput Input { get; init; }
    /// <summary>Wall milliseconds per call, by peer key.</summary>
    public Dictionary<string, Samples> Wall { get; } = [];
    /// <summary>CPU milliseconds per call, by peer key (the tools' from getrusage of the waited-for children).</summary>
    public Dictionary<string, Samples> Cpu { get; } = [];
    /// <summary>What dwebp and cwebp report with -v as their decode and encode time (no process start, no file I/O).</summary>
    public Samples ToolsOwnMs { get; } = new();
    /// <summary>What the output checks found.</summary>
    public List<string> Checks { get; } = [];

    /// <summary>Ratio of the peers' median wall (or CPU) times.</summary>
    public double Ratio(string numerator, string denominator, bool cpu = false) =>
        (cpu ? Cpu : Wall)[numerator].Median / (cpu ? Cpu : Wall)[denominator].Median;
}

/// <summary>
/// WebP in, gray WebP out, two peers interleaved round by round on the same input:
///   (w) the API function as clients call it: POST / with the WebP as its body, no quality named
///       (a lossy WebP comes back lossy at q90, a lossless one lossless), converted in the
///       converter process; OpenCV 4.13's libwebp, which encodes at libwebp's default method 4
///       (lossless: WebPEncodeLossless*, effort 70, method 4)
///   (t) libwebp's own tools (Debian's webp package) doing the same work at the same settings:
///       dwebp -ppm, the same BT.601 gray (OpenCV's, in this process), cwebp -q 90 -m 4
///       (lossless: cwebp -lossless -q 70 -m 4), files on /dev/shm
/// </summary>
public sealed class WebPBenchmark
{
    private readonly WebPInput _input;
    private readonly ApiFunction _function;
    private readonly byte[] _event;
    private readonly string _directory;
    private readonly WebPResult _result;

    private WebPBenchmark(WebPInput input, IsolatedConverter isolated, string directory)
    {
        _input = input;
        _directory = directory;
        // The inline limits are raised so that a 16.7 MP lossless WebP (about 24 MB) and its result
        // fit one event, and the memory one conversion may have so that it may be encoded losslessly
        // (574 MB; a function of 1,024 MB gives a conversion 512 MB).
        var options = new ApiOptions { Imaging = DefaultLimits.Imaging, MaxInlineBytes = 64 << 20, MaxInlineResultBytes = 64 << 20, MaxConversionBytes = 1L << 30 };
        _function = new ApiFunction(options, isolated, UnreachableStorage.Store(), JsonLog.Null);
        _event = ApiEvents.RestV1("POST", "/").WithHeader("Content-Type", "image/webp").WithHeader("Accept", "*/*").WithBody(input.Bytes).ToPayload();
        File.WriteAllBytes(InputPath, input.Bytes);
        _result = new WebPResult { Input = input };
    }

    private string InputPath => Path.Combine(_directory, $"webp-{_input.Label}.webp");
    private string RgbPath => Path.Combine(_directory, $"webp-{_input.Label}.ppm");
    private string GrayPath => Path.Combine(_directory, $"webp-{_input.Label}.pgm");
    private string ToolsOutputPath => Path.Combine(_directory, $"webp-{_input.Label}-tools.webp");

    /// <summary>A photo-like scene as a WebP: lossy at q90, or lossless.</summary>
    public static WebPInput Photo(string label, int width, int height, bool lossless, int rounds)
    {
        using var scene = PhotoImages.Scene(width, height, seed: 42);
        if (!Cv2.ImEncode(".webp", scene, out var bytes, [(int)ImwriteFlags.WebPQuality, lossless ? 101 : 90]))
            throw new InvalidOperationException("could not encode the scene");
        return new WebPInput(label, width, height, lossless, bytes, rounds);
    }

    /// <summary>The folder the tools' files go to: memory-backed where the machine has /dev/shm.</summary>
    public static string ToolsDirectory()
    {
        var directory = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"pipeline-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Checks both peers' outputs, then runs the rounds (one call per peer per round).</summary>
    public static WebPResult Run(WebPInput input, IsolatedConverter isolated, string directory, Action<string> progress)
    {
        var bench = new WebPBenchmark(input, isolated, directory);
        bench.Check(); // which runs each peer once: the warm-up
        var peers = new (string Key, Func<Timing> Run)[] { ("w", bench.Handler), ("t", bench.Tools) };
        for (int round = 0; round < input.Rounds; round++)
        {
            var medians = new List<string>();
            for (int i = 0; i < peers.Length; i++)
            {
                var (key, run) = peers[(i + round) % peers.Length];
                var timing = run();
                CodecResult.Of(bench._result.Wall, key).Add(timing.WallMs);
                CodecResult.Of(bench._result.Cpu, key).Add(timing.CpuMs);
                medians.Add($"{key} {timing.WallMs.Text("0")} ms");
            }
            progress($"WebP {input.Label} round {round + 1}/{input.Rounds}: {string.Join("  ", medians)}");
        }
        return bench._result;
    }

    private Timing Handler()
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddMinutes(5), null, _event.ToArray());
        return Timing.Of(() => _function.HandleAsync(invocation, CancellationToken.None).GetAwaiter().GetResult());
    }

    /// <summary>dwebp, the gray step, cwebp: wall time of the three; CPU of this process and of the tools.</summary>
    private Timing Tools()
    {
        var children = ProcStats.ChildrenCpuTime();
        var own = ProcStats.OwnCpuTime();
        long wall = Stopwatch.GetTimestamp();
        double toolsOwn = RunTool("dwebp", "-v", InputPath, "-ppm", "-o", RgbPath);
        using (var rgb = Cv2.ImRead(RgbPath, ImreadModes.Color))
        using (var gray = rgb.CvtColor(ColorConversionCodes.BGR2GRAY)) // the handler's BT.601
            Cv2.ImWrite(GrayPath, gray);
        toolsOwn += RunTool("cwebp", [.. EncoderSettings(), "-v", GrayPath, "-o", ToolsOutputPath]);
        double wallMs = Stopwatch.GetElapsedTime(wall).TotalMilliseconds;
        var cpu = ProcStats.ChildrenCpuTime() - children + (ProcStats.OwnCpuTime() - own);
        _result.ToolsOwnMs.Add(toolsOwn);
        return new Timing(wallMs, cpu.TotalMilliseconds);
    }

    /// <summary>cwebp's settings for what the handler's encoder does.</summary>
    private string[] EncoderSettings() => _input.Lossless ? ["-lossless", "-q", "70", "-m", "4"] : ["-q", "90", "-m", "4"];

    /// <summary>Runs a tool to its end; returns the decode or encode milliseconds it reports with -v.</summary>
    private static double RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var text = stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} exited {process.ExitCode}: {text}");
        // "Time to decode picture: 0.027s" (dwebp), "Time to encode picture: 0.294s" (cwebp)
        var line = text.Split('\n').Single(l => l.StartsWith("Time to decode picture:", StringComparison.Ordinal) || l.StartsWith("Time to encode picture:", StringComparison.Ordinal));
        return 1000 * double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().TrimEnd('s'), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Both outputs are gray WebPs of the input's size, of the input's kind (VP8L for lossless);
    /// lossless ones decode to exactly the input's BT.601 luma; lossy ones are compared with it,
    /// and their R, G, B (libwebp's YUV → RGB of a gray picture) are counted where they differ.
    /// </summary>
    private void Check()
    {
        var answer = _function.HandleAsync(new Invocation("check", DateTimeOffset.UtcNow.AddMinutes(5), null, _event.ToArray()), CancellationToken.None).GetAwaiter().GetResult();
        using var document = JsonDocument.Parse(answer);
        Assert.Equal(200, document.RootElement.GetProperty("statusCode").GetInt32());
        var handlerOutput = document.RootElement.GetProperty("body").GetBytesFromBase64();
        Tools();
        var toolsOutput = File.ReadAllBytes(ToolsOutputPath);
        using var colour = Cv2.ImDecode(_input.Bytes, ImreadModes.Color);
        using var luma = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        foreach (var (name, output) in new[] { ("(w)", handlerOutput), ("(t)", toolsOutput) })
        {
            var info = ImageInspector.Inspect(output);
            Assert.Equal((ImageFormat.WebP, _input.Width, _input.Height, _input.Lossless), (info.Format, info.Width, info.Height, info.Lossless));
            using var decoded = Cv2.ImDecode(output, ImreadModes.Color);
            var (unequal, spread) = ChannelsApart(decoded);
            using var gray = decoded.CvtColor(ColorConversionCodes.BGR2GRAY);
            using var diff = new Mat();
            Cv2.Absdiff(luma, gray, diff);
            Cv2.MinMaxLoc(diff, out double _, out double max);
            if (_input.Lossless)
                Assert.Equal((0, 0.0), (unequal, max));
            _result.Checks.Add($"{name} {output.Length:N0} B ({(_input.Lossless ? "VP8L" : "VP8")}), luma |Δ| mean {Cv2.Mean(diff).Val0.Text("0.00")} max {max.Text("0")}, "
                + $"R,G,B not all equal on {(100.0 * unequal / _input.Width / _input.Height).Text("0.00")}% of pixels (by up to {spread})");
        }
    }

    /// <summary>How many pixels of a decoded BGR image have channels that are not all equal, and by how much at most.</summary>
    private static (int Pixels, int Spread) ChannelsApart(Mat bgr)
    {
        var channels = bgr.Split();
        try
        {
            using var low = new Mat();
            using var high = new Mat();
            Cv2.Min(channels[0], channels[1], low);
            Cv2.Min(low, channels[2], low);
            Cv2.Max(channels[0], channels[1], high);
            Cv2.Max(high, channels[2], high);
            using var spread = new Mat();
            Cv2.Subtract(high, low, spread);
            Cv2.MinMaxLoc(spread, out double _, out double max);
            return (Cv2.CountNonZero(spread), (int)max);
        }
        finally
        {
            foreach (var channel in channels)
                channel.Dispose();
        }
    }
}
