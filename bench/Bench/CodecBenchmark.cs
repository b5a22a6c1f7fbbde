using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;
using Pipeline.Tests;
using Xunit;

namespace Pipeline.Bench;

/// <summary>How many calls one size gets: warm-up calls per peer, then rounds of calls per peer.</summary>
public sealed record CodecPlan(string Label, int Width, int Height, int WarmupCalls, int Rounds, int CallsPerRound);

/// <summary>One call's wall-clock and CPU milliseconds (CPU of the whole process, every thread, and of its converter processes).</summary>
public readonly record struct Timing(double WallMs, double CpuMs)
{
    /// <summary>Times <paramref name="call"/>; the CPU times are read outside the wall-clock span.</summary>
    public static Timing Of(Action call)
    {
        var cpu = Cpu();
        long wall = Stopwatch.GetTimestamp();
        call();
        double wallMs = Stopwatch.GetElapsedTime(wall).TotalMilliseconds;
        return new Timing(wallMs, (Cpu() - cpu).TotalMilliseconds);
    }

    private static TimeSpan Cpu() => ProcStats.OwnCpuTime() + ProcStats.ConverterCpuTime(Environment.ProcessId);
}

/// <summary>The outcome for one size: every peer's call times, the handler's stages, and output checks.</summary>
public sealed class CodecResult
{
    /// <summary>The plan that produced it.</summary>
    public required CodecPlan Plan { get; init; }
    /// <summary>The input JPEG's size in bytes.</summary>
    public required int InputBytes { get; init; }
    /// <summary>Wall-clock milliseconds per call, by peer key (a to h).</summary>
    public Dictionary<string, Samples> Wall { get; } = [];
    /// <summary>CPU milliseconds per call, by peer key: what a loaded machine distorts least.</summary>
    public Dictionary<string, Samples> Cpu { get; } = [];
    /// <summary>Each round's median wall time per peer, for the spread of the ratios.</summary>
    public List<Dictionary<string, double>> RoundMedians { get; } = [];
    /// <summary>Wall milliseconds per stage of the API handler's work, measured apart.</summary>
    public Dictionary<string, Samples> Stages { get; } = [];
    /// <summary>The local API's stages from its access log, by field (readMs, eventMs, …), during the rounds.</summary>
    public Dictionary<string, Samples> GatewayStages { get; } = [];
    /// <summary>The tutorial's handler alone, without the runtime's JSON (wall).</summary>
    public Samples TutorialHandlerOnly { get; } = new();
    /// <summary>What the output checks found.</summary>
    public List<string> Checks { get; } = [];

    /// <summary>Ratio of the peers' median wall (or CPU) times.</summary>
    public double Ratio(string numerator, string denominator, bool cpu = false)
    {
        var times = cpu ? Cpu : Wall;
        return times[numerator].Median / times[denominator].Median;
    }

    /// <summary>Lowest and highest ratio of wall medians over the rounds.</summary>
    public (double Low, double High) RatioSpread(string numerator, string denominator)
    {
        var ratios = RoundMedians.Select(r => r[numerator] / r[denominator]).ToList();
        return (ratios.Min(), ratios.Max());
    }

    /// <summary>Records one round of <paramref name="peer"/>'s calls.</summary>
    public void Record(string peer, Timing[] calls, Dictionary<string, double> roundMedians)
    {
        Of(Wall, peer).Add(calls.Select(c => c.WallMs));
        Of(Cpu, peer).Add(calls.Select(c => c.CpuMs));
        var round = new Samples();
        round.Add(calls.Select(c => c.WallMs));
        roundMedians[peer] = round.Median;
    }

    /// <summary>The samples under <paramref name="key"/>, created on first use.</summary>
    public static Samples Of(Dictionary<string, Samples> table, string key)
    {
        if (!table.TryGetValue(key, out var samples))
            table[key] = samples = new Samples();
        return samples;
    }
}

/// <summary>
/// The peers on one generated JPEG, single-threaded, interleaved: every round runs each
/// peer in turn (the order rotating), so whatever else the machine does hits all of them.
///   (a) the API function as clients call it (no quality named: the lossless path):
///       REST v1 event bytes → ApiFunction.HandleAsync (converting in a converter process) → response bytes
///   (a0) the handler's steps converting in this process, as before the converter process (see <see cref="InlineHandler"/>)
///   (a1) the same steps converting in the converter process: (a0) with only the conversion call changed
///   (b) the bare codec: OpenCvSharp luma-only decode + JPEG encode at q90
///   (c) the tutorial's Python handler on python3-opencv (see <see cref="TutorialPeer"/>)
///   (d) NetVips: sequential load, colourspace b-w, JPEG q90
///   (e) the API function asked for ?quality=90: decode + encode, as (b) inside the handler
///   (f) the lossless path alone: LosslessJpeg.TryConvert (TurboJPEG's tjTransform)
///   (g) (b)'s work with (f)'s library: Debian's libjpeg-turbo 2.1.5 decompress gray + compress q90
///   (h) (a) over keep-alive HTTP: POST /grayscale → pipeline-local api → the same handler (see <see cref="LocalApiPeer"/>)
/// </summary>
public sealed class CodecBenchmark
{
    private const int Quality = GrayscaleConverter.DefaultQuality;
    private readonly CodecPlan _plan;
    private readonly byte[] _jpeg;
    private readonly byte[] _event;
    private readonly byte[] _reencodeEvent;
    private readonly ImageInfo _info;
    private readonly string _eventPath;
    private readonly TutorialPeer _tutorial;
    private readonly LocalApiPeer _localApi;
    private readonly ApiFunction _function;
    private readonly GrayscaleConverter _converter;
    private readonly InlineHandler _inline;
    private readonly CodecResult _result;

    private CodecBenchmark(CodecPlan plan, byte[] jpeg, string workDirectory, TutorialPeer tutorial, LocalApiPeer localApi, IsolatedConverter isolated)
    {
        _plan = plan;
        _jpeg = jpeg;
        _tutorial = tutorial;
        _localApi = localApi;
        var limits = DefaultLimits.Imaging;
        _converter = new GrayscaleConverter(limits);
        var options = new ApiOptions { Imaging = limits };
        // No storage: the inline route needs none. The log formats every record as in production, into Stream.Null.
        _function = new ApiFunction(options, isolated, UnreachableStorage.Store(), JsonLog.Null);
        _inline = new InlineHandler(_converter, isolated, options.CpuSecondsPerImage);
        _event = ApiEvents.RestV1("POST", "/grayscale")
            .WithHeader("Content-Type", "image/jpeg")
            .WithHeader("Accept", "*/*")
            .WithBody(jpeg)
            .ToPayload();
        _reencodeEvent = ApiEvents.RestV1("POST", "/grayscale")
            .WithHeader("Content-Type", "image/jpeg")
            .WithHeader("Accept", "*/*")
            .WithQuery("quality", Quality.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithBody(jpeg)
            .ToPayload();
        _info = _converter.Inspect(jpeg);
        _eventPath = Path.Combine(workDirectory, $"event-{plan.Label}.json");
        File.WriteAllBytes(_eventPath, _event);
        _result = new CodecResult { Plan = plan, InputBytes = jpeg.Length };
    }

    /// <summary>Pins every in-process peer to one thread; call once before anything decodes.</summary>
    public static void SingleThreaded()
    {
        Cv2.SetNumThreads(1);
        NetVips.NetVips.Concurrency = 1;
        // Every call must decode: vips would otherwise answer a repeated operation from its cache.
        NetVips.Cache.Max = 0;
        NetVips.Cache.MaxMem = 0;
        NetVips.Cache.MaxFiles = 0;
    }

    /// <summary>Checks every peer's output, warms them up, then runs the rounds.</summary>
    public static CodecResult Run(CodecPlan plan, byte[] jpeg, string workDirectory, TutorialPeer tutorial, LocalApiPeer localApi, IsolatedConverter isolated, Action<string> progress)
    {
        var bench = new CodecBenchmark(plan, jpeg, workDirectory, tutorial, localApi, isolated);
        bench.Check(workDirectory);
        var peers = new (string Key, Func<int, Timing[]> Run)[]
        {
            ("a", bench.Handler), ("a0", bench.InProcessHandler), ("a1", bench.IsolatedHandler), ("b", bench.Codec), ("c", bench.Tutorial), ("d", bench.Vips),
            ("e", bench.ReencodingHandler), ("f", bench.Lossless), ("g", bench.DebianCodec), ("h", bench.LocalHttp), ("stages", bench.HandlerStages),
        };
        // Enough calls for tiered compilation to finish (its instrumented tier runs hot loops
        // such as base64 decoding up to 3x slower for a while), then a pause for the background JIT.
        foreach (var (key, run) in peers)
            run(key == "c" ? Math.Min(plan.WarmupCalls, 10) : plan.WarmupCalls);
        Thread.Sleep(500);
        foreach (var (_, run) in peers)
            run(1);
        bench._result.Stages.Clear();
        bench._result.TutorialHandlerOnly.Clear();
        localApi.NewGatewayRecords();

        for (int round = 0; round < plan.Rounds; round++)
        {
            var medians = new Dictionary<string, double>();
            for (int i = 0; i < peers.Length; i++)
            {
                var (key, run) = peers[(i + round) % peers.Length];
                var calls = run(plan.CallsPerRound);
                if (key != "stages")
                    bench._result.Record(key, calls, medians);
            }
            bench._result.RoundMedians.Add(medians);
            progress($"{plan.Label} round {round + 1}/{plan.Rounds}: " + string.Join("  ", medians.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.Text()} ms")));
        }
        return bench._result;
    }

    /// <summary>
    /// CPU milliseconds to decode <paramref name="jpeg"/>'s base64 in place (no second buffer) and
    /// into a separate buffer (the vectorised path, ProxyBody's choice), after warm-up.
    /// </summary>
    public static (Samples InPlace, Samples Separate) Base64Probe(byte[] jpeg)
    {
        var base64 = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(jpeg));
        var target = new byte[jpeg.Length];
        Samples inPlace = new(), separate = new();
        for (int i = 0; i < 300; i++)
        {
            var copy = base64.ToArray();
            var a = Timing.Of(() => System.Buffers.Text.Base64.DecodeFromUtf8InPlace(copy, out _));
            var b = Timing.Of(() => System.Buffers.Text.Base64.DecodeFromUtf8(base64, target, out _, out _));
            if (i < 250)
                continue; // past tiered compilation's instrumented phase
            inPlace.Add(a.CpuMs);
            separate.Add(b.CpuMs);
        }
        return (inPlace, separate);
    }

    private Timing[] Handler(int calls) => Repeat(calls, () =>
    {
        var invocation = NewInvocation();
        return Timing.Of(() => _function.HandleAsync(invocation, CancellationToken.None).GetAwaiter().GetResult());
    });

    private Timing[] InProcessHandler(int calls) => Repeat(calls, () =>
    {
        var payload = NewInvocation().Payload;
        return Timing.Of(() => _inline.InProcess(payload));
    });

    private Timing[] IsolatedHandler(int calls) => Repeat(calls, () =>
    {
        var payload = NewInvocation().Payload;
        return Timing.Of(() => _inline.Isolated(payload));
    });

    private Timing[] ReencodingHandler(int calls) => Repeat(calls, () =>
    {
        var invocation = NewInvocation(_reencodeEvent);
        return Timing.Of(() => _function.HandleAsync(invocation, CancellationToken.None).GetAwaiter().GetResult());
    });

    private Timing[] DebianCodec(int calls) => Repeat(calls, () => Timing.Of(() => DebianTurboJpeg.Gray(_jpeg, _plan.Width, _plan.Height, Quality)));

    private Timing[] Lossless(int calls) => Repeat(calls, () => Timing.Of(() => LosslessJpeg.TryConvert(_jpeg, _info)));

    private Timing[] Codec(int calls) => Repeat(calls, () => Timing.Of(() => EncodeLuma(_jpeg)));

    private Timing[] Tutorial(int calls)
    {
        var (timings, handlerMs) = _tutorial.Run(_eventPath, calls);
        _result.TutorialHandlerOnly.Add(handlerMs);
        return timings;
    }

    private Timing[] Vips(int calls) => Repeat(calls, () => Timing.Of(() => VipsGray(_jpeg)));

    private Timing[] LocalHttp(int calls)
    {
        var timings = _localApi.Run(_jpeg, calls);
        var records = _localApi.NewGatewayRecords();
        for (int i = 0; i < calls; i++)
        {
            foreach (var (stage, ms) in records[i])
                CodecResult.Of(_result.GatewayStages, stage).Add(ms);
            // Per request: the client's wall time less the handler's, and less every host stage.
            CodecResult.Of(_result.GatewayStages, "addedMs").Add(timings[i].WallMs - records[i]["integrationMs"]);
            CodecResult.Of(_result.GatewayStages, "outsideMs").Add(timings[i].WallMs - records[i].Values.Sum());
        }
        return timings;
    }

    /// <summary>The handler's work split into its stages, through the same public calls it makes.</summary>
    private Timing[] HandlerStages(int calls) => Repeat(calls, () =>
    {
        var payload = NewInvocation().Payload;
        long t0 = Stopwatch.GetTimestamp();
        var request = ApiGatewayHttp.ReadRequest(payload);
        long t1 = Stopwatch.GetTimestamp();
        var info = _converter.Inspect(request.Body.Span);
        long t2 = Stopwatch.GetTimestamp();
        var output = OutputNegotiation.Choose(info.Format, null, request.Header("accept"));
        var converted = _converter.Convert(request.Body.Span, info, output);
        long t3 = Stopwatch.GetTimestamp();
        _ = ApiGatewayHttp.WriteResponse(Responses.Image(converted.Bytes, output.MediaType()));
        long t4 = Stopwatch.GetTimestamp();
        Stage("1 read event (JSON + base64 decode)", t0, t1);
        Stage("2 inspect headers", t1, t2);
        Stage(converted.Lossless ? "3 convert (lossless: luma coefficients copied)" : "3 convert (decode luma + encode)", t2, t3);
        Stage("4 write response (base64 + JSON)", t3, t4);
        return new Timing(Stopwatch.GetElapsedTime(t0, t4).TotalMilliseconds, double.NaN);
    });

    private void Stage(string name, long from, long to) =>
        CodecResult.Of(_result.Stages, name).Add(Stopwatch.GetElapsedTime(from, to).TotalMilliseconds);

    // The handler decodes the body in place, so each call gets its own copy of the event, as
    // each invocation gets a fresh buffer from the Runtime API client. The copy is not timed.
    private Invocation NewInvocation(byte[]? payload = null) =>
        new(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddMinutes(1), null, (payload ?? _event).ToArray());

    private static Timing[] Repeat(int calls, Func<Timing> call)
    {
        var timings = new Timing[calls];
        for (int i = 0; i < calls; i++)
            timings[i] = call();
        return timings;
    }

    private static byte[] EncodeLuma(byte[] jpeg)
    {
        using var gray = Cv2.ImDecode(jpeg, ImreadModes.Grayscale);
        if (!Cv2.ImEncode(".jpg", gray, out var bytes, [(int)ImwriteFlags.JpegQuality, Quality]))
            throw new InvalidOperationException("OpenCV could not encode");
        return bytes;
    }

    private static byte[] VipsGray(byte[] jpeg)
    {
        using var image = NetVips.Image.NewFromBuffer(jpeg, access: NetVips.Enums.Access.Sequential);
        using var gray = image.Colourspace(NetVips.Enums.Interpretation.Bw);
        return gray.JpegsaveBuffer(q: Quality);
    }

    /// <summary>
    /// Every peer must produce a gray image of the input's size; the results are compared with
    /// BT.601 luma. (a) must decode to exactly the input's luma (libjpeg's grayscale decode) and
    /// equal (f) and (h); (e) must equal (b) byte for byte.
    /// </summary>
    private void Check(string workDirectory)
    {
        var handlerOutput = Body(_function.HandleAsync(NewInvocation(), CancellationToken.None).GetAwaiter().GetResult());
        var lossless = LosslessJpeg.TryConvert(_jpeg, _info) ?? throw new InvalidOperationException("the lossless path refused the input");
        Assert.Equal(lossless.Bytes, handlerOutput);
        using (var sourceLuma = Cv2.ImDecode(_jpeg, ImreadModes.Grayscale))
        using (var outputLuma = Cv2.ImDecode(handlerOutput, ImreadModes.Grayscale))
        using (var unequal = new Mat())
        {
            Cv2.Compare(sourceLuma, outputLuma, unequal, CmpTypes.NE);
            Assert.Equal(0, Cv2.CountNonZero(unequal));
        }
        Assert.Equal(handlerOutput, _localApi.Convert(_jpeg));
        Assert.Equal(handlerOutput, Body(_inline.InProcess(NewInvocation().Payload)));
        Assert.Equal(handlerOutput, Body(_inline.Isolated(NewInvocation().Payload)));
        _result.Checks.Add($"(a) = (a0) = (a1) = (f) = (h), {handlerOutput.Length} bytes ({100.0 * handlerOutput.Length / _jpeg.Length:0}% of the input), decodes to exactly the input's luma");

        var reencoded = Body(_function.HandleAsync(NewInvocation(_reencodeEvent), CancellationToken.None).GetAwaiter().GetResult());
        var codecOutput = EncodeLuma(_jpeg);
        Assert.Equal(codecOutput, reencoded);
        _result.Checks.Add($"(e) and (b) outputs are byte-identical ({reencoded.Length} bytes)");

        var tutorialPath = Path.Combine(workDirectory, $"tutorial-{_plan.Label}.jpg");
        _tutorial.Run(_eventPath, 1, tutorialPath);
        foreach (var (name, output) in new[] { ("(a)", handlerOutput), ("(b)", codecOutput), ("(c)", File.ReadAllBytes(tutorialPath)), ("(d)", VipsGray(_jpeg)), ("(g)", DebianTurboJpeg.Gray(_jpeg, _plan.Width, _plan.Height, Quality)) })
        {
            using var gray = PixelAssert.IsGray(output);
            Assert.Equal(new Size(_plan.Width, _plan.Height), gray.Size());
            _result.Checks.Add($"{name} gray {gray.Width}x{gray.Height}, {output.Length} bytes, mean |Δ| from BT.601 luma {MeanLumaError(gray).Text("0.00")}");
        }
    }

    private static byte[] Body(ReadOnlyMemory<byte> response)
    {
        using var document = JsonDocument.Parse(response);
        Assert.Equal(200, document.RootElement.GetProperty("statusCode").GetInt32());
        return document.RootElement.GetProperty("body").GetBytesFromBase64();
    }

    private double MeanLumaError(Mat gray)
    {
        using var colour = Cv2.ImDecode(_jpeg, ImreadModes.Color);
        using var expected = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var diff = new Mat();
        Cv2.Absdiff(expected, gray, diff);
        return Cv2.Mean(diff).Val0;
    }
}
