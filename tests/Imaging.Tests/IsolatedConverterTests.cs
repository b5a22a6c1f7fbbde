using System.Diagnostics;
using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// Conversions in converter processes: the same results as converting in process, and an image
/// that overruns its memory or CPU budget, or whose conversion is cancelled, is stopped and
/// fails alone, while the next image gets a healthy process.
/// </summary>
public sealed class IsolatedConverterTests : IAsyncLifetime
{
    private static readonly ConversionBudget Generous = new(512L << 20, CpuSeconds: 30);
    private readonly IsolatedConverter _isolated = new(ConverterCommand.ForThisProcess(), DefaultLimits.Imaging, maxProcesses: 2);
    private readonly GrayscaleConverter _inProcess = new(DefaultLimits.Imaging);

    public Task InitializeAsync()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        return _isolated.WarmUpAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => _isolated.DisposeAsync().AsTask();

    private ConversionRequest Request(byte[] body, ImageFormat? output = null, int? quality = null)
    {
        var info = _inProcess.Inspect(body);
        return new ConversionRequest(body, info, output ?? info.Format, quality);
    }

    public static TheoryData<string> Kinds => ["jpeg", "jpeg-turned", "png", "png-alpha", "webp", "tiff", "bmp"];

    private static byte[] Body(string kind) => kind switch
    {
        "jpeg" => JpegSamples.Photo(320, 240, "4:2:0"),
        "jpeg-turned" => TestImages.WithExifOrientation(JpegSamples.Photo(320, 240, "4:2:0"), 6),
        "png" => TestImages.Png(320, 240),
        "png-alpha" => TestImages.AlphaPng(320, 240),
        "webp" => TestImages.WebP(320, 240),
        "tiff" => TestImages.Tiff(320, 240),
        _ => TestImages.Bmp(320, 240),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_conversion_in_a_converter_process_gives_the_bytes_converting_in_process_gives(string kind)
    {
        var body = Body(kind);
        var request = Request(body);

        var isolated = await _isolated.ConvertAsync(request, Generous, CancellationToken.None);
        var local = _inProcess.Convert(body, request.Info, request.Output, request.Quality);

        Assert.Equal(local.Bytes, isolated.Image.Bytes);
        Assert.Equal((local.Format, local.Width, local.Height, local.Lossless), (isolated.Image.Format, isolated.Image.Width, isolated.Image.Height, isolated.Image.Lossless));
        Assert.True(isolated.PeakBytes >= 0);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("webp")]
    public async Task The_first_image_of_a_fresh_process_converts_within_its_own_budget_though_opencv_loads_for_it(string kind)
    {
        // Mapping OpenCV adds about 100 MB of data: more than a small image's whole budget, so the
        // load must not count against the image the process is converting when it happens.
        await using var fresh = new IsolatedConverter(ConverterCommand.ForThisProcess(), DefaultLimits.Imaging, maxProcesses: 1);
        var request = Request(Body(kind));
        var budget = DecodeCost.Budget(request, floorCpuSeconds: 30);
        Assert.True(budget.MemoryBytes < 64L << 20, $"the budget ({budget.MemoryBytes >> 20} MB) would cover the load by itself");

        var result = await fresh.ConvertAsync(request, budget, CancellationToken.None);

        Assert.Equal((320, 240), (result.Image.Width, result.Image.Height));
    }

    [Fact]
    public async Task A_lossless_webp_stays_lossless_and_a_16_bit_png_keeps_16_bits_through_the_converter_process()
    {
        // What decides them (the inspection's Lossless and SixteenBit flags) must cross the pipe.
        var webp = Request(TestImages.WebP(320, 240, quality: 101));
        using var wide = SixteenBitTests.Wide(3);
        var png = Request(TestImages.Encode(wide, ".png"));
        Assert.True(webp.EncodesLosslessWebP && png.KeepsSixteenBits);

        var lossless = await _isolated.ConvertAsync(webp, DecodeCost.Budget(webp, floorCpuSeconds: 30), CancellationToken.None);
        var sixteen = await _isolated.ConvertAsync(png, DecodeCost.Budget(png, floorCpuSeconds: 30), CancellationToken.None);

        Assert.True(WebPTests.HasLosslessBitstream(lossless.Image.Bytes), "the converter process encoded the lossless WebP lossy");
        using var gray = Cv2.ImDecode(sixteen.Image.Bytes, ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, gray.Type());
    }

    public static TheoryData<string> Misread => ["png", "tiff"];

    [Theory]
    [MemberData(nameof(Misread))]
    public async Task An_image_whose_header_was_misread_fails_within_its_memory_budget_and_the_next_image_converts(string format)
    {
        // A 10000x10000 image (100 MP: 100 MB decoded as gray PNG, 800 MB as the 16-bit RGBA TIFF)
        // presented as the 8x8 image a wrong inspection took it for. The decoder's allocations
        // fail at the limit (OpenCV then returns no image), so the process never holds more.
        var (body, misread) = format == "png"
            ? (HostileCorpus.ZeroRowsPng(10000, 10000), new ImageInfo(ImageFormat.Png, 8, 8, HasAlpha: false, Channels: 1) { Components = 1 })
            : (TiffBuilder.Zeros(10000, 10000, 16, 4), new ImageInfo(ImageFormat.Tiff, 8, 8, HasAlpha: true, Channels: 4, SixteenBit: true) { Components = 4 });
        var budget = new ConversionBudget(DecodeCost.PeakBytes(misread, keepsLuma: false), CpuSeconds: 30);
        // A process maps OpenCV for its first image that needs it, outside that image's budget:
        // it is mapped here first, so that what is measured is what the image itself made the process hold.
        await _isolated.ConvertAsync(Request(Body("png")), Generous, CancellationToken.None);
        int pid = Assert.Single(_isolated.IdleProcessIds); // this converter's (other tests run theirs meanwhile)
        long idle = ProcessMemory(pid, "VmRSS:");
        PeakMemory.Reset(pid);

        var e = await Assert.ThrowsAsync<PipelineException>(() => _isolated.ConvertAsync(new ConversionRequest(body, misread, ImageFormat.Png, null), budget, CancellationToken.None));

        Assert.Equal(ErrorCode.CorruptImage, e.Code);
        long peak = ProcessMemory(pid, "VmHWM:"), limit = budget.MemoryBytes + IsolatedConverter.RuntimeSlackBytes;
        Assert.True(peak < idle + limit, $"the converter peaked at {peak / 1e6:0} MB from {idle / 1e6:0} MB idle, over its limit of {limit / 1e6:0} MB");
        var next = await _isolated.ConvertAsync(Request(Body("jpeg")), Generous, CancellationToken.None);
        Assert.True(next.Image.Lossless);
    }

    [Fact]
    public void An_image_that_decodes_to_another_size_than_its_inspection_is_refused()
    {
        // With memory enough to decode it, the decoded size itself gives the misreading away.
        var png = HostileCorpus.ZeroRowsPng(700, 500);
        var misread = new ImageInfo(ImageFormat.Png, 8, 8, HasAlpha: false, Channels: 1) { Components = 1 };

        var e = Assert.Throws<PipelineException>(() => _inProcess.Convert(png, misread, ImageFormat.Png));

        Assert.Equal(ErrorCode.CorruptImage, e.Code);
        Assert.Contains("700x500", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_png_whose_text_chunks_inflate_to_gigabytes_converts_within_the_apis_cpu_budget()
    {
        // 400 zTXt chunks of 7 MB each (2.7 MB): libpng inflates every one it is given, 12 s of
        // CPU here; the decoder is given the PNG without them, well within POST /'s 2 s.
        var png = HostileCorpus.Get("png-400-ztxt-chunks").Body;
        var request = Request(png);
        var budget = DecodeCost.Budget(request, floorCpuSeconds: 2);
        Assert.Equal(2, budget.CpuSeconds);

        var result = await _isolated.ConvertAsync(request, budget, CancellationToken.None);

        using var gray = PixelAssert.IsGray(result.Image.Bytes);
        Assert.Equal(new Size(64, 64), gray.Size());
    }

    [Fact]
    public async Task An_image_that_takes_more_cpu_than_its_budget_is_stopped()
    {
        // Seconds of CPU (24 MP decoded, encoded as WebP): past even the kernel's limit, which
        // counts whole seconds (up to one more than the budget) should the watch be late.
        var png = TestImages.Encode(TestImages.ColourMat(6000, 4000), ".png");

        var e = await Assert.ThrowsAsync<PipelineException>(() => _isolated.ConvertAsync(Request(png, ImageFormat.WebP), new ConversionBudget(Generous.MemoryBytes, CpuSeconds: 0), CancellationToken.None));

        Assert.Equal(ErrorCode.TooExpensive, e.Code);
        Assert.Contains("CPU", e.Message, StringComparison.Ordinal);
        Assert.NotNull(await _isolated.ConvertAsync(Request(Body("png")), Generous, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_conversion_is_stopped_by_killing_its_process()
    {
        // Seconds of work (24 MP decoded, encoded as WebP), so it is surely running when cancelled.
        var png = TestImages.Encode(TestImages.ColourMat(6000, 4000), ".png");
        int running = Assert.Single(_isolated.IdleProcessIds); // the one warmed up, which takes the image
        double cpuBefore = ProcessCpu(running);
        using var cancel = new CancellationTokenSource();

        var conversion = _isolated.ConvertAsync(Request(png, ImageFormat.WebP), Generous, cancel.Token);
        await WaitUntilAsync(() => ProcessCpu(running) > cpuBefore + 0.1); // decoding, deep in native code
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => conversion);
        Assert.False(IsAlive(running), $"converter {running} still runs");
        Assert.NotNull(await _isolated.ConvertAsync(Request(Body("jpeg")), Generous, CancellationToken.None));
    }

    [Fact]
    public void A_thousand_failing_conversions_do_not_grow_the_process()
    {
        // Images the inspection accepts and the decoder refuses: every path that gives up must free what it took.
        var failing = HostileCorpus.Mutants(HostileCorpus.FuzzSeed(), 3000)
            .Select(m => m.Body)
            .Where(body => Record.Exception(() => _inProcess.Inspect(body)) is null
                && Record.Exception(() => _inProcess.Convert(body, _inProcess.Inspect(body), ImageFormat.Png)) is PipelineException)
            .Take(50)
            .ToList();
        Assert.True(failing.Count >= 20, $"only {failing.Count} failing inputs");

        void FailAll(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                foreach (var body in failing)
                    Assert.Throws<PipelineException>(() => _inProcess.Convert(body, _inProcess.Inspect(body), ImageFormat.Png));
            }
        }

        FailAll(2); // warm: pools and caches fill once
        long before = ResidentAfterCollecting();
        FailAll(1000 / failing.Count + 1);
        long growth = ResidentAfterCollecting() - before;

        Assert.True(growth < 16 << 20, $"resident memory grew {growth / 1e6:0.0} MB over {failing.Count * (1000 / failing.Count + 1)} failed conversions");
    }

    private static long ResidentAfterCollecting()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Process.GetCurrentProcess().WorkingSet64;
    }

    private static long ProcessMemory(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field, StringComparison.Ordinal));
        return 1024 * long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the converter never started converting");
            await Task.Delay(10);
        }
    }

    private static double ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }
}
