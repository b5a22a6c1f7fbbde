using OpenCvSharp;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;
using Pipeline.Tests;

namespace Pipeline.Bench;

/// <summary>One photo-format row: the handler and its baseline, CPU and wall per call, and the peak memory each grew.</summary>
public sealed record PhotoRow(string Name, string Label, int InputBytes, string Baseline, Samples HandlerCpu, Samples BaselineCpu, Samples HandlerWall, Samples BaselineWall, long HandlerPeak, long BaselinePeak)
{
    /// <summary>Handler over baseline, medians of CPU time.</summary>
    public double CpuRatio => HandlerCpu.Median / BaselineCpu.Median;
}

/// <summary>
/// HEIC, AVIF and JPEG XL from the real encoders (heif-enc -q 50, avifenc speed 6, cjxl -d 1) at
/// 1 MP and 12 MP: the API handler (REST event in, gray JPEG out, as clients call it) against
/// the library's own decode + OpenCV's gray + JPEG q90 (<see cref="LibraryDecoders"/>), in
/// interleaved rounds; and a 4:2:0 Display P3 JPEG at 12 MP re-encoded by the handler
/// (?quality=90, its profile's table built) against the same scene untagged (the plain path)
/// and against a plain colour decode + encode (OpenCV IMREAD_COLOR, gray, q90).
/// </summary>
public static class PhotoFormatBenchmark
{
    /// <summary>Encodes the inputs, then runs the rows.</summary>
    public static List<PhotoRow> Run(byte[] oneMpJpeg, byte[] twelveMpJpeg, IsolatedConverter isolated, int rounds, Action<string> progress)
    {
        var function = new ApiFunction(new ApiOptions { Imaging = DefaultLimits.Imaging }, isolated, UnreachableStorage.Store(), JsonLog.Null);
        var rows = new List<PhotoRow>();
        foreach (var (label, jpeg) in new[] { ("1MP", oneMpJpeg), ("12MP", twelveMpJpeg) })
        {
            using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
            var png = TestImages.Encode(decoded, ".png");
            progress($"encoding the {label} HEIC, AVIF and JPEG XL with heif-enc, avifenc and cjxl");
            var inputs = new (string Name, byte[] Body, Func<byte[], byte[]> Library, string Baseline)[]
            {
                ("HEIC", EncodedPhotos.Heic(png, "-q", "50"), LibraryDecoders.HeifToJpeg, "libheif 1.15 + libde265 decode RGB, gray, q90"),
                ("AVIF", EncodedPhotos.Avif(png, "-s", "6", "--min", "18", "--max", "28"), LibraryDecoders.HeifToJpeg, "libheif 1.15 + dav1d decode RGB, gray, q90"),
                ("JPEG XL", EncodedPhotos.Jxl(png, "-d", "1"), LibraryDecoders.JxlToJpeg, "libjxl 0.7 decode RGB, gray, q90"),
            };
            foreach (var (name, body, library, baseline) in inputs)
            {
                var payload = ApiEvents.RestV1("POST", "/grayscale").WithHeader("Accept", "*/*").WithBody(body).ToPayload();
                rows.Add(Compare(name, label, body.Length, baseline, () => Handle(function, payload), () => library(body), rounds, progress));
            }
        }

        progress("tagging the 12 MP scene Display P3 (Pillow, 4:2:0) and building its table");
        using (var scene = Cv2.ImDecode(twelveMpJpeg, ImreadModes.Color))
        {
            var png = TestImages.Encode(scene, ".png");
            var plain = EncodedPhotos.Resaved(png, ".jpg");
            var p3 = EncodedPhotos.Resaved(EncodedPhotos.Tagged(png, EncodedPhotos.DisplayP3), ".jpg");
            var plainEvent = ApiEvents.RestV1("POST", "/grayscale").WithHeader("Accept", "*/*").WithQuery("quality", "90").WithBody(plain).ToPayload();
            var p3Event = ApiEvents.RestV1("POST", "/grayscale").WithHeader("Accept", "*/*").WithQuery("quality", "90").WithBody(p3).ToPayload();
            for (int i = 0; i < 3; i++)
                Handle(function, p3Event); // the profile's table (2^24 pixels converted) is built after the second
            rows.Add(Compare("Display P3 JPEG", "12MP", p3.Length, "the same scene untagged through the handler (?quality=90)", () => Handle(function, p3Event), () => Handle(function, plainEvent), rounds, progress));
            rows.Add(Compare("Display P3 JPEG", "12MP", p3.Length, "OpenCV colour decode, gray, q90", () => Handle(function, p3Event), () => ColourDecodeEncode(plain), rounds, progress));
        }
        return rows;
    }

    private static byte[] Handle(ApiFunction function, byte[] payload)
    {
        var invocation = new Invocation("bench", DateTimeOffset.UtcNow.AddMinutes(1), null, payload);
        return function.HandleAsync(invocation, CancellationToken.None).GetAwaiter().GetResult().ToArray();
    }

    private static byte[] ColourDecodeEncode(byte[] jpeg)
    {
        using var colour = Cv2.ImDecode(jpeg, ImreadModes.Color);
        using var gray = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        Cv2.ImEncode(".jpg", gray, out var bytes, [(int)ImwriteFlags.JpegQuality, 90]);
        return bytes;
    }

    /// <summary>Warms both up, measures the peak each grows from a reset, then interleaves rounds.</summary>
    private static PhotoRow Compare(string name, string label, int inputBytes, string baseline, Func<byte[]> handler, Func<byte[]> library, int rounds, Action<string> progress)
    {
        int calls = label == "1MP" ? 8 : 2;
        for (int i = 0; i < calls * 2; i++)
        {
            handler();
            library();
        }
        long handlerPeak = PeakMemory.GrowthDuring(handler).Growth, libraryPeak = PeakMemory.GrowthDuring(library).Growth;
        Samples handlerCpu = new(), libraryCpu = new(), handlerWall = new(), libraryWall = new();
        for (int round = 0; round < rounds; round++)
        {
            foreach (var first in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                for (int i = 0; i < calls; i++)
                {
                    var timing = Timing.Of(() => (first ? handler : library)());
                    (first ? handlerCpu : libraryCpu).Add(timing.CpuMs);
                    (first ? handlerWall : libraryWall).Add(timing.WallMs);
                }
            }
        }
        progress($"{name} {label}: handler {handlerCpu.Median.Text()} ms CPU, baseline {libraryCpu.Median.Text()} ms CPU");
        return new PhotoRow(name, label, inputBytes, baseline, handlerCpu, libraryCpu, handlerWall, libraryWall, handlerPeak, libraryPeak);
    }
}
