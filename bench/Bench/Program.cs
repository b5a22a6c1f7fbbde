using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipeline.Bench;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Tests;

// pipeline-bench [codec] [photos] [webp] [memory] [coldstart] [bulk] [--quick] [--report PATH]
// With no section named, runs them all. Progress goes to stderr; the summary to stdout and PATH.
string[] known = ["codec", "photos", "webp", "memory", "coldstart", "bulk"];
var sections = new HashSet<string>(StringComparer.Ordinal);
bool quick = false;
string? reportPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--report" when i + 1 < args.Length: reportPath = args[++i]; break;
        case var section when known.Contains(section): sections.Add(section); break;
        default:
            Console.Error.WriteLine($"usage: pipeline-bench [{string.Join("] [", known)}] [--quick] [--report PATH]");
            return 2;
    }
}
bool Runs(string section) => sections.Count == 0 || sections.Contains(section);
void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

var clock = Stopwatch.StartNew();
var work = Path.Combine(Artifacts.RepoRoot, "bench", "out");
Directory.CreateDirectory(work);
OpenCvRuntime.Initialize(DefaultLimits.Imaging);
CodecBenchmark.SingleThreaded();
var summary = new StringBuilder();
var loadAtStart = ProcStats.LoadAverage();

Progress("generating the photo-like test images");
var oneMp = new BenchImage("1MP", 1024, 768, PhotoImages.Jpeg(1024, 768, seed: 42));
var twelveMp = new BenchImage("12MP", 4000, 3000, PhotoImages.Jpeg(4000, 3000, seed: 42));
foreach (var image in new[] { oneMp, twelveMp })
    File.WriteAllBytes(Path.Combine(work, $"photo-{image.Label}.jpg"), image.Jpeg);

// The API function's converter process, as the function starts it (one at a time: Lambda sends one request at a time).
await using var isolated = new IsolatedConverter(ConverterCommand.ForThisProcess(), DefaultLimits.Imaging, maxProcesses: 1);
await isolated.WarmUpAsync(CancellationToken.None);

var codec = new List<CodecResult>();
(Samples InPlace, Samples Separate)? base64 = null;
double? othersBusyCores = null;
string tutorialPeak = "";
if (Runs("codec"))
{
    using var tutorial = TutorialPeer.Start();
    Progress("starting the local API (pipeline-local api, Release)");
    using var localApi = await LocalApiPeer.StartAsync();
    var window = new CpuWindow(Environment.ProcessId, tutorial.Id, localApi.Id);
    CodecPlan[] plans = quick
        ? [new("1MP", 1024, 768, 150, 4, 4), new("12MP", 4000, 3000, 2, 3, 2)]
        : [new("1MP", 1024, 768, 200, 30, 4), new("12MP", 4000, 3000, 3, 16, 2)];
    foreach (var plan in plans)
        codec.Add(CodecBenchmark.Run(plan, plan.Label == "1MP" ? oneMp.Jpeg : twelveMp.Jpeg, work, tutorial, localApi, isolated, Progress));
    var (wall, cpu, machineBusy) = window.Read();
    othersBusyCores = Math.Max(0, machineBusy - cpu.Sum(c => c / wall));
    tutorialPeak = PeakMemory.Bytes(tutorial.Id).MiB();
    base64 = CodecBenchmark.Base64Probe(twelveMp.Jpeg);
}

List<PhotoRow> photos = [];
if (Runs("photos"))
    photos = PhotoFormatBenchmark.Run(oneMp.Jpeg, twelveMp.Jpeg, isolated, quick ? 3 : 12, Progress);
var webp = new List<WebPResult>();
string webpLoad = "";
if (Runs("webp"))
{
    Progress("generating the WebP inputs (1 MP and 16.7 MP, lossy q90 and lossless)");
    var inputs = new[]
    {
        WebPBenchmark.Photo("1MP lossy", 1024, 768, lossless: false, rounds: quick ? 3 : 15),
        WebPBenchmark.Photo("1MP lossless", 1024, 768, lossless: true, rounds: quick ? 2 : 9),
        WebPBenchmark.Photo("16MP lossy", 4720, 3540, lossless: false, rounds: quick ? 1 : 5),
        WebPBenchmark.Photo("16MP lossless", 4720, 3540, lossless: true, rounds: quick ? 1 : 3),
    };
    var tools = WebPBenchmark.ToolsDirectory();
    var load = ProcStats.LoadAverage();
    var window = new CpuWindow(Environment.ProcessId);
    try
    {
        foreach (var input in inputs)
            webp.Add(WebPBenchmark.Run(input, isolated, tools, Progress));
    }
    finally
    {
        Directory.Delete(tools, recursive: true);
    }
    var (wall, cpu, machineBusy) = window.Read();
    webpLoad = $"1-min load average {load} at its start; other processes kept {Math.Max(0, machineBusy - cpu.Sum(c => c / wall)).Text("0.00")} of {Environment.ProcessorCount} cores busy meanwhile "
        + "(the tools' CPU counts as others here: compare the ratios)";
}

List<MemoryResult> memory = [];
List<ColdStartResult> coldStarts = [];
List<BulkResult> bulk = [];
if (Runs("memory") || Runs("coldstart") || Runs("bulk"))
{
    Progress("starting moto and creating the template's resources");
    await using var aws = await MotoServer.StartAsync();
    if (Runs("memory"))
    {
        Progress("generating the 50 MP image");
        var fiftyMp = new BenchImage("50MP", 8640, 5760, PhotoImages.Jpeg(8640, 5760, seed: 42));
        memory = await MemoryBenchmark.RunAsync(aws, [twelveMp, fiftyMp], quick ? 1 : 3, Progress);
    }
    if (Runs("coldstart"))
    {
        var eventJson = ApiEvents.RestV1("POST", "/grayscale").WithHeader("Accept", "*/*").WithBody(oneMp.Jpeg).ToPayload();
        var reencodeJson = ApiEvents.RestV1("POST", "/grayscale").WithHeader("Accept", "*/*").WithQuery("quality", "90").WithBody(oneMp.Jpeg).ToPayload();
        coldStarts = await ColdStartBenchmark.RunAsync(ColdStartBenchmark.Variants(work, reencodeJson), eventJson, aws.Environment, quick ? 2 : 9, Progress);
    }
    if (Runs("bulk"))
    {
        var folder = BulkBenchmark.WriteFolder(Path.Combine(work, "bulk"), 200);
        var defaults = new BulkConfig(2, Math.Max(2, Environment.ProcessorCount * 2)); // pipeline-local's and WorkerOptions' defaults
        BulkConfig[] configs = quick ? [defaults] : [defaults, new(4, 8)];
        foreach (var config in configs)
            bulk.Add(await BulkBenchmark.RunAsync(aws, folder, config, Progress));
    }
}

WriteSummary();
Console.Write(summary);
if (reportPath is not null)
    File.WriteAllText(reportPath, summary.ToString());
return 0;

void WriteSummary()
{
    var cpuModel = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
    Line($"Pipeline peer benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {clock.Elapsed.TotalSeconds.Text("0")} s");
    Line($"Machine: nproc {Environment.ProcessorCount}, {cpuModel}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; 1-min load average {loadAtStart} at start, {ProcStats.LoadAverage()} at end");
    Line("A shared machine is noisy: rounds interleave the peers, and the ratios are the figures to compare.");
    var shown = string.Join(' ', args.Where(a => a != "--report" && a != reportPath));
    Line($"Command: ./bench.sh{(shown.Length > 0 ? " " + shown : "")} (runs bench/Bench: dotnet bench/Bench/bin/Release/net10.0/pipeline-bench.dll [{string.Join("] [", known)}] [--quick])");
    Line($"Inputs: generated photo-like scenes (multi-scale texture, hard-edged shapes, grain), baseline JPEG q{PhotoImages.Quality}: "
        + $"1024x768 {oneMp.Jpeg.Length:N0} B ({(oneMp.Jpeg.Length * 8.0 / (1024 * 768)).Text("0.00")} bit/px), 4000x3000 {twelveMp.Jpeg.Length:N0} B ({(twelveMp.Jpeg.Length * 8.0 / 12e6).Text("0.00")} bit/px)");

    if (codec.Count > 0)
        WriteCodec();
    if (photos.Count > 0)
        WritePhotos();
    if (webp.Count > 0)
        WriteWebP();
    if (memory.Count > 0)
        WriteMemory();
    if (coldStarts.Count > 0)
        WriteColdStart();
    if (bulk.Count > 0)
        WriteBulk();
}

void WriteCodec()
{
    var small = codec.First(c => c.Plan.Label == "1MP");
    var large = codec.First(c => c.Plan.Label == "12MP");
    Line();
    Line($"1. Per image, single-threaded, interleaved rounds: median ms (quartiles); CPU = process CPU time of the same span");
    Line($"   1 MP: {small.Plan.Rounds} rounds x {small.Plan.CallsPerRound} calls per peer after {small.Plan.WarmupCalls} warm-up calls; 12 MP: {large.Plan.Rounds} x {large.Plan.CallsPerRound} after {large.Plan.WarmupCalls}. "
        + $"Other processes kept {othersBusyCores?.Text("0.00")} of {Environment.ProcessorCount} cores busy meanwhile.");
    var peers = new (string Key, string Name)[]
    {
        ("a", "(a) API handler, lossless (no quality named): REST v1 event bytes -> ApiFunction.HandleAsync -> response bytes"),
        ("a0", "(a0) (a)'s steps converting in this process, as before the converter process (bench/Bench/InlineHandler.cs)"),
        ("a1", "(a1) (a0) with only the conversion call changed: in the converter process, within the image's budget"),
        ("b", "(b) OpenCvSharp 4.13: ImDecode Grayscale + ImEncode q90"),
        ("c", "(c) tutorial handler, Debian python3-opencv 4.6, /tmp files, base64"),
        ("d", $"(d) NetVips 3.2 / libvips {NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}: sequential, colourspace b-w, q90"),
        ("e", "(e) API handler, ?quality=90: decode luma + encode, as (b)"),
        ("f", "(f) LosslessJpeg alone: TurboJPEG 2.1 tjTransform, TJXOPT_GRAY"),
        ("g", "(g) (b) with (f)'s library: Debian libjpeg-turbo 2.1.5 decompress gray + compress q90"),
        ("h", "(h) (a) over keep-alive HTTP: POST /grayscale -> pipeline-local api -> (a)'s handler"),
    };
    var times = new Table("peer", "1 MP wall", "1 MP CPU", "12 MP wall", "12 MP CPU");
    foreach (var (key, name) in peers)
        times.Row(name, small.Wall[key].Describe(), small.Cpu[key].Median.Text(), large.Wall[key].Describe(), large.Cpu[key].Median.Text());
    times.Row("    (c)'s handler alone, without the runtime's json.loads/dumps", small.TutorialHandlerOnly.Describe(), "", large.TutorialHandlerOnly.Describe(), "");
    Line(times.ToString().TrimEnd());
    Line("   CPU above wall means helper threads: libvips keeps a write-behind thread even at concurrency 1.");
    Line("   (h)'s wall time is the client's (HttpClient, one connection, the answer streamed into a reused buffer); its CPU is client plus host.");
    Line("   (h)'s host runs with its own runtime settings (src/Local: no tiered PGO, arrays up to 8 MiB allocated young); (a) with the defaults.");

    Line();
    Line("   Ratios of the medians (wall; [lowest-highest over rounds]; CPU-time ratio after the slash)");
    var ratios = new Table("ratio", "1 MP", "12 MP", "target", "verdict");
    string Cell(CodecResult r, string n, string d)
    {
        var (low, high) = r.RatioSpread(n, d);
        return $"{r.Ratio(n, d).Text("0.00")} [{low.Text("0.00")}-{high.Text("0.00")}] / {r.Ratio(n, d, cpu: true).Text("0.00")}";
    }
    string Both(Func<bool, string> verdict) => $"wall {verdict(false)}, CPU {verdict(true)}";
    ratios.Row("(a)/(b) lossless handler vs the bare codec", Cell(small, "a", "b"), Cell(large, "a", "b"), "<= 0.75 at 1 MP",
        Both(cpu => Verdict.AtMost(small.Ratio("a", "b", cpu), 0.75)));
    ratios.Row("", "", "", "<= 0.75 at 12 MP", Both(cpu => Verdict.AtMost(large.Ratio("a", "b", cpu), 0.75)));
    ratios.Row("(a)/(f) handler overhead over the lossless path", Cell(small, "a", "f"), Cell(large, "a", "f"), "", "");
    ratios.Row("(f)/(b) the lossless path alone vs the bare codec", Cell(small, "f", "b"), Cell(large, "f", "b"), "", "");
    ratios.Row("(f)/(g) the lossless path vs its library's decode + encode", Cell(small, "f", "g"), Cell(large, "f", "g"), "", "");
    ratios.Row("(g)/(b) Debian's libjpeg-turbo vs OpenCvSharp's, decode + encode", Cell(small, "g", "b"), Cell(large, "g", "b"), "", "");
    ratios.Row("(e)/(b) handler overhead over the codec, re-encoding", Cell(small, "e", "b"), Cell(large, "e", "b"), "<= 1.15 at 12 MP",
        Both(cpu => Verdict.AtMost(large.Ratio("e", "b", cpu), 1.15)));
    ratios.Row("(c)/(a) tutorial vs handler", Cell(small, "c", "a"), Cell(large, "c", "a"), ">= 2.5 at 1 MP",
        Both(cpu => Verdict.AtLeast(small.Ratio("c", "a", cpu), 2.5)));
    ratios.Row("(d)/(a) NetVips vs handler", Cell(small, "d", "a"), Cell(large, "d", "a"), ">= 2.0 at 1 MP",
        Both(cpu => Verdict.AtLeast(small.Ratio("d", "a", cpu), 2.0)));
    ratios.Row("", "", "", ">= 2.0 at 12 MP", Both(cpu => Verdict.AtLeast(large.Ratio("d", "a", cpu), 2.0)));
    ratios.Row("(h)/(a) local HTTP over the in-process handler", Cell(small, "h", "a"), Cell(large, "h", "a"), "<= 1.10 at 12 MP",
        Both(cpu => Verdict.AtMost(large.Ratio("h", "a", cpu), 1.10)));
    ratios.Row("(c)/(h) tutorial vs local HTTP", Cell(small, "c", "h"), Cell(large, "c", "h"), ">= 3.0 at 1 MP",
        Both(cpu => Verdict.AtLeast(small.Ratio("c", "h", cpu), 3.0)));
    ratios.Row("", "", "", ">= 3.0 at 12 MP", Both(cpu => Verdict.AtLeast(large.Ratio("c", "h", cpu), 3.0)));
    Line(ratios.ToString().TrimEnd());

    Line();
    Line("   What the converter process costs: (a) converts in a converter process (IsolatedConverter: the image over a pipe, limits set with prlimit,");
    Line("   a CPU watch); before it, the handler converted in its own process, as (a0) does. Medians, ms (wall; CPU after the slash, the converter's included)");
    var isolation = new Table("", "1 MP", "12 MP", "target", "verdict");
    string Medians(CodecResult r, string key) => $"{r.Wall[key].Median.Text("0.00")} / {r.Cpu[key].Median.Text("0.00")}";
    string AddedBy(CodecResult r, string after) => $"{(r.Wall[after].Median - r.Wall["a0"].Median).Text("+0.00;-0.00")} ms ({(r.Ratio(after, "a0") * 100 - 100).Text("+0.0;-0.0")}%) / CPU {(r.Cpu[after].Median - r.Cpu["a0"].Median).Text("+0.00;-0.00")} ms";
    isolation.Row("(a0) before: converting in the handler's process", Medians(small, "a0"), Medians(large, "a0"), "", "");
    isolation.Row("(a) after: ApiFunction, converter process", Medians(small, "a"), Medians(large, "a"), "", "");
    isolation.Row("(a1) after, the same steps as (a0)", Medians(small, "a1"), Medians(large, "a1"), "", "");
    isolation.Row("(a) - (a0): what the converter process adds, as clients see it", AddedBy(small, "a"), AddedBy(large, "a"), "<= 0.3 ms at 1 MP",
        Verdict.AtMost(small.Wall["a"].Median - small.Wall["a0"].Median, 0.3));
    isolation.Row("", "", "", "<= 3% at 12 MP", Verdict.AtMost(large.Ratio("a", "a0"), 1.03));
    isolation.Row("(a1) - (a0): the conversion call alone", AddedBy(small, "a1"), AddedBy(large, "a1"), "<= 0.3 ms at 1 MP",
        Verdict.AtMost(small.Wall["a1"].Median - small.Wall["a0"].Median, 0.3));
    isolation.Row("", "", "", "<= 3% at 12 MP", Verdict.AtMost(large.Ratio("a1", "a0"), 1.03));
    isolation.Row("(a)/(a0) over the rounds [lowest-highest]", Cell(small, "a", "a0"), Cell(large, "a", "a0"), "", "");
    Line(isolation.ToString().TrimEnd());

    Line();
    Line("   Where (a)'s time goes: its stages timed apart through the same public calls (wall ms, median)");
    var stages = new Table("stage", "1 MP", "12 MP");
    foreach (var stage in large.Stages.Keys.Order(StringComparer.Ordinal))
        stages.Row(stage, small.Stages[stage].Median.Text("0.00"), large.Stages[stage].Median.Text("0.00"));
    stages.Row("sum of stages", small.Stages.Values.Sum(s => s.Median).Text("0.00"), large.Stages.Values.Sum(s => s.Median).Text("0.00"));
    stages.Row("(a) whole handler (adds routing, logging, GC)", small.Wall["a"].Median.Text("0.00"), large.Wall["a"].Median.Text("0.00"));
    stages.Row("(f) lossless path alone", small.Wall["f"].Median.Text("0.00"), large.Wall["f"].Median.Text("0.00"));
    stages.Row("(b) bare codec (decode + encode)", small.Wall["b"].Median.Text("0.00"), large.Wall["b"].Median.Text("0.00"));
    Line(stages.ToString().TrimEnd());

    Line();
    Line("   Where (h)'s time goes: the gateway's access log (stages in the host, wall ms, median over the rounds' requests)");
    var gateway = new Table("stage", "1 MP", "12 MP");
    (string Field, string Name)[] gatewayStages =
    [
        ("readMs", "read the body (from the request's start: upload included)"),
        ("waitMs", "wait for a concurrency slot"),
        ("eventMs", "write the event (JSON + base64 straight from the body's chunks)"),
        ("integrationMs", "the handler: (a)'s code, in the host's process"),
        ("responseMs", "read the proxy response, base64-decode, hand the body to Kestrel"),
    ];
    foreach (var (field, name) in gatewayStages)
        gateway.Row(name, small.GatewayStages[field].Median.Text("0.00"), large.GatewayStages[field].Median.Text("0.00"));
    gateway.Row("(h) client wall time", small.Wall["h"].Median.Text("0.00"), large.Wall["h"].Median.Text("0.00"));
    gateway.Row("  client, wire and Kestrel outside the host's stages (per request)", small.GatewayStages["outsideMs"].Median.Text("0.00"), large.GatewayStages["outsideMs"].Median.Text("0.00"));
    string Added(CodecResult r) => $"{r.GatewayStages["addedMs"].Median.Text("0.00")} ({(r.GatewayStages["addedMs"].Median / r.Wall["a"].Median * 100).Text("0")}% of (a))";
    gateway.Row("(h) less its handler, per request: what HTTP and the gateway add", Added(small), Added(large));
    gateway.Row("(a) in-process handler", small.Wall["a"].Median.Text("0.00"), large.Wall["a"].Median.Text("0.00"));
    Line(gateway.ToString().TrimEnd());

    if (base64 is { } probe)
    {
        Line($"   12 MP body ({twelveMp.Jpeg.Length * 4 / 3:N0} B of base64), CPU ms: Base64.DecodeFromUtf8 into a separate buffer (ProxyBody.Decode) "
            + $"{probe.Separate.Describe("0.00")}, Base64.DecodeFromUtf8InPlace {probe.InPlace.Describe("0.00")}");
    }
    Line("   Output checks (every peer's result decoded):");
    foreach (var result in codec)
        Line($"     {result.Plan.Label}: {string.Join("; ", result.Checks)}");
    Line($"   The Python process peaked at {tutorialPeak} RSS (VmHWM).");
}

void WritePhotos()
{
    Line();
    Line("1b. HEIC, AVIF, JPEG XL (heif-enc -q 50, avifenc -s 6, cjxl -d 1 of the same scenes) and a Display P3 JPEG, single-threaded, interleaved:");
    Line("    the API handler (REST event -> gray JPEG; the P3 JPEG with ?quality=90, its profile's table built) against a baseline;");
    Line("    CPU = process CPU time per call (the handler's: its process and its converter process), median (quartiles);");
    Line("    peak = how far VmHWM grew from a reset during one call (the handler's: its own process only, not the converter's)");
    var table = new Table("input", "bytes", "handler CPU ms", "baseline", "baseline CPU ms", "handler/baseline (CPU; wall)", "handler peak", "baseline peak", "target", "verdict");
    foreach (var row in photos)
    {
        bool p3 = row.Name.Contains("P3", StringComparison.Ordinal);
        bool targeted = !p3 || row.Baseline.Contains("untagged", StringComparison.Ordinal);
        double limit = p3 ? 1.5 : 1.10;
        table.Row($"{row.Name} {row.Label}", row.InputBytes.ToString("N0", CultureInfo.InvariantCulture), row.HandlerCpu.Describe(), row.Baseline, row.BaselineCpu.Describe(),
            $"{row.CpuRatio.Text("0.00")}; {(row.HandlerWall.Median / row.BaselineWall.Median).Text("0.00")}", row.HandlerPeak.MiB(), row.BaselinePeak.MiB(),
            targeted ? $"<= {limit.Text("0.00")}" : "", targeted ? Verdict.AtMost(row.CpuRatio, limit) : "");
    }
    Line(table.ToString().TrimEnd());
}

void WriteWebP()
{
    Line();
    Line("5. WebP in, gray WebP out, per image: the API handler as clients call it against libwebp's own tools doing the same work at the same settings,");
    Line("   one call of each per round, interleaved; median ms (quartiles). Inputs: the photo-like scene as WebP, lossy q90 (VP8) and lossless (VP8L).");
    Line("   (w) POST / with the WebP as its body, no quality named -> ApiFunction -> the converter process: OpenCV 4.13 (its static libwebp 1.6.0) decodes,");
    Line("       BT.601 gray, encodes at libwebp's defaults: lossy q90 method 4, or lossless (WebPEncodeLossless*: effort 70, method 4) for a lossless input");
    Line($"   (t) Debian's webp tools {ToolVersion("cwebp")}: dwebp -ppm, OpenCV's BT.601 gray of the PPM in this process, cwebp -q 90 -m 4 (lossless: -lossless -q 70 -m 4),");
    Line("       files on /dev/shm; wall = the three steps, process starts included; CPU = this process's and the tools' (getrusage)");
    Line("   (w)'s inline limits are raised (64 MiB in and out, 1 GiB for one conversion) so that the 16.7 MP lossless WebP fits one event and its encoder's memory");
    Line($"   {webpLoad}");
    var table = new Table("input", "input bytes", "rounds", "(w) handler wall", "(w) CPU", "(t) tools wall", "(t) CPU", "(t) libwebp's own decode + encode (-v)", "(w)/(t) wall", "/ CPU", "target", "verdict");
    foreach (var r in webp)
    {
        table.Row(r.Input.Label, r.Input.Bytes.Length.ToString("N0", CultureInfo.InvariantCulture), r.Input.Rounds.ToString(CultureInfo.InvariantCulture),
            r.Wall["w"].Describe("0"), r.Cpu["w"].Median.Text("0"), r.Wall["t"].Describe("0"), r.Cpu["t"].Median.Text("0"), r.ToolsOwnMs.Describe("0"),
            r.Ratio("w", "t").Text("0.00"), r.Ratio("w", "t", cpu: true).Text("0.00"), "<= 1.10", $"wall {Verdict.AtMost(r.Ratio("w", "t"), 1.10)}, CPU {Verdict.AtMost(r.Ratio("w", "t", cpu: true), 1.10)}");
    }
    Line(table.ToString().TrimEnd());
    Line("   Output checks (each output decoded by OpenCV's libwebp; luma compared with the input's BT.601 luma):");
    foreach (var r in webp)
        Line($"     {r.Input.Label}: {string.Join("; ", r.Checks)}");
}

static string ToolVersion(string tool)
{
    using var process = Process.Start(new ProcessStartInfo(tool, "-version") { RedirectStandardOutput = true, UseShellExecute = false })!;
    var version = process.StandardOutput.ReadToEnd().Trim();
    process.WaitForExit();
    return version;
}

void WriteMemory()
{
    Line();
    Line("2. Memory: AOT worker bootstrap (artifacts/aot/worker/bootstrap, LD_LIBRARY_PATH=artifacts/layer/lib), fake Runtime API,");
    Line("   moto; a fresh process per run gets one SQS event carrying an S3 ObjectCreated notification; VmHWM read from /proc after the response");
    var table = new Table("image", "JPEG bytes", "path", "VmHWM after init", "VmHWM after invocation", "max", "invocation ms", "target", "verdict");
    foreach (var m in memory)
    {
        double limit = m.Image.Label == "12MP" ? 100e6 : 400e6;
        table.Row($"{m.Image.Label} {m.Image.Width}x{m.Image.Height} (n={m.Peak.Count})", m.Image.Jpeg.Length.ToString("N0", CultureInfo.InvariantCulture), m.Lossless ? "lossless" : "decode + encode",
            ((long)m.InitPeak.Median).MiB(), ((long)m.Peak.Median).MiB(), ((long)m.Peak.Max).MiB(), m.InvokeMs.Median.Text("0"),
            $"< {limit / 1e6:0} MB ({(limit / 1048576).Text("0.0")} MiB)", Verdict.AtMost(m.Peak.Max, limit - 1));
    }
    Line(table.ToString().TrimEnd());
}

void WriteColdStart()
{
    Line();
    Line("3. Cold start: process start -> first 1 MP invocation answered over the fake Runtime API (event queued before start);");
    Line("   the event names no quality (the lossless path: OpenCV is never loaded) unless the variant says ?quality=90");
    var table = new Table("variant", "median ms (quartiles)", "n", "VmHWM");
    foreach (var c in coldStarts)
        table.Row(c.Variant.Name, c.FirstResponseMs.Describe("0"), c.FirstResponseMs.Count.ToString(CultureInfo.InvariantCulture), ((long)c.Peak.Median).MiB());
    Line(table.ToString().TrimEnd());
    var aot = coldStarts[0].FirstResponseMs.Median;
    foreach (var jit in coldStarts.Where(c => c.Variant.Name.StartsWith("JIT", StringComparison.Ordinal)))
    {
        var ratio = aot / jit.FirstResponseMs.Median;
        Line($"   AOT / {jit.Variant.Name}: {ratio.Text("0.00")} (target <= 0.5: {Verdict.AtMost(ratio, 0.5)})");
    }
}

void WriteBulk()
{
    Line();
    Line($"4. Bulk: {bulk[0].Images} x 1 MP JPEGs (crops of one scene, q90) through moto + `pipeline-local worker` (SQS batch size 10),");
    Line("   from `aws s3 cp --recursive` until every output is in the bucket (after 20 warm-up images through the same worker);");
    Line("   CPU from /proc/<pid>/stat utime+stime over the same window; cores = CPU seconds / wall seconds");
    var table = new Table("worker settings", "images/s", "wall s", "upload s", "worker cores", "moto cores", "aws CLI cores", "machine busy", "moto share of pipeline CPU", "moto requests/image", "moto CPU ms/request");
    foreach (var b in bulk)
    {
        var pipelineCpu = b.WorkerCpu + b.MotoCpu + b.CliCpu;
        table.Row($"--pollers {b.Config.Pollers}, PIPELINE_WORKER_CONCURRENCY={b.Config.Concurrency}", b.ImagesPerSecond.Text(), b.Wall.TotalSeconds.Text(), b.Upload.TotalSeconds.Text(),
            b.Cores(b.WorkerCpu).Text("0.00"), b.Cores(b.MotoCpu).Text("0.00"), b.Cores(b.CliCpu).Text("0.00"), b.MachineBusyCores.Text("0.00") + $" of {Environment.ProcessorCount}",
            $"{(b.MotoCpu / pipelineCpu * 100).Text("0")}%", (b.MotoRequests / (double)b.Images).Text(), (b.MotoCpu.TotalMilliseconds / b.MotoRequests).Text("0.0"));
    }
    Line(table.ToString().TrimEnd());
    foreach (var b in bulk)
    {
        double workerMs = b.WorkerCpu.TotalMilliseconds / b.Images, motoMs = b.MotoCpu.TotalMilliseconds / b.Images;
        Line($"   pollers {b.Config.Pollers}, concurrency {b.Config.Concurrency}: {b.BatchSizes.Count} invocations of {b.BatchSizes.Median.Text("0")} messages (median); "
            + $"{b.ObjectMs.Describe("0")} ms per object inside the worker (S3 round trips + conversion, from its log);");
        Line($"     CPU per image: worker {workerMs.Text()} ms, moto {motoMs.Text()} ms; moto's one GIL-bound core would cap the pipeline near {(1000 / motoMs).Text("0")} images/s");
    }
}

void Line(string text = "") => summary.AppendLine(text);
