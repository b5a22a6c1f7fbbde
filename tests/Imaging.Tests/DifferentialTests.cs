using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Imaging.Heif;
using Pipeline.Imaging.Jxl;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// What is decoded is what was inspected: over every corpus file, hostile case and thousands of
/// mutants, whenever the inspection accepts an image, the decoder (given exactly what the
/// converter gives it) produces that width, height, channel count and sample depth, or refuses.
/// A disagreement is a way past the limits: a header read as 8x8 that decodes as 7000x7000.
/// </summary>
public class DifferentialTests(ITestOutputHelper output)
{
    private const int Mutants = 4000;

    public static IEnumerable<(string Name, byte[] Body)> Corpus()
    {
        foreach (var c in HostileCorpus.All.Values)
            yield return (c.Name, c.Body);
        foreach (var layout in new[] { "4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1", "progressive", "restart", "gray" })
            yield return ($"jpeg {layout}", JpegSamples.Photo(96, 64, layout));
        yield return ("jpeg rgb-coded", JpegSamples.RgbCoded(96, 64));
        yield return ("jpeg arithmetic", JpegSamples.ArithmeticCoded(JpegSamples.Photo(96, 64, "4:2:0")));
        foreach (var (bits, samples) in new[] { (8, 1), (16, 1), (8, 2), (16, 2), (8, 3), (16, 3), (8, 4), (16, 4) })
            yield return ($"tiff {samples}x{bits}-bit", TiffBuilder.Zeros(300, 200, bits, samples));
        yield return ("png 16-bit alpha", HostileCorpus.Png16Alpha(96, 64));
        yield return ("webp lossy", TestImages.WebP(96, 64, quality: 80));
        var png = TestImages.Png(96, 64);
        yield return ("heic 10-bit", EncodedPhotos.Heic(TestImages.Png16(96, 64), "-b", "10"));
        yield return ("avif alpha", EncodedPhotos.Avif(HostileCorpus.Png16Alpha(96, 64)));
        yield return ("avif grid", EncodedPhotos.Avif(TestImages.Png(128, 128), "-g", "2x2"));
        yield return ("avif rotated", EncodedPhotos.Avif(png, "--irot", "3", "--imir", "0"));
        yield return ("jxl lossless", EncodedPhotos.Jxl(png, "-d", "0"));
        yield return ("webp lossless", TestImages.WebP(96, 64, quality: 101));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Artifacts.RepoRoot, "samples"), "*.jpg", SearchOption.AllDirectories).Append(Path.Combine(Artifacts.RepoRoot, "kitty.jpg")))
            yield return (Path.GetFileName(file), File.ReadAllBytes(file));
        foreach (var mutant in HostileCorpus.Mutants(HostileCorpus.FuzzSeed(), Mutants))
            yield return (mutant.ToString(), mutant.Body);
    }

    [Fact]
    public void Every_image_the_inspection_accepts_decodes_to_the_inspected_geometry()
    {
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        int accepted = 0, refusedByDecoder = 0, total = 0;
        var disagreements = new List<string>();
        foreach (var (name, body) in Corpus())
        {
            total++;
            ImageInfo info;
            try
            {
                info = ImageInspector.Inspect(body);
            }
            catch (PipelineException)
            {
                continue;
            }
            if (info.Pixels > DefaultLimits.Imaging.MaxPixels)
                continue; // refused before decoding, like every path does
            accepted++;
            var seen = Decode(body, info);
            if (seen is null)
            {
                refusedByDecoder++;
                continue;
            }
            var inspected = (info.Width, info.Height, info.Channels, info.SixteenBit);
            if (seen != inspected)
                disagreements.Add($"{name}: inspected {inspected}, decoded {seen}");
        }
        output.WriteLine($"{total} inputs, {accepted} accepted by the inspection, {refusedByDecoder} of those refused by the decoder, {disagreements.Count} disagreements");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements.Take(30)));
        Assert.True(accepted > 200, $"only {accepted} inputs were accepted: the corpus no longer exercises the decoders");
    }

    /// <summary>
    /// What the format's decoder makes of an accepted image: OpenCV's, given what the converter
    /// gives it; libheif's and libjxl's through the converter's own wrappers, which compare
    /// with the inspection themselves and refuse (a corrupt image) when they disagree. Null when refused.
    /// </summary>
    private static (int Width, int Height, int Channels, bool SixteenBit)? Decode(byte[] body, ImageInfo info)
    {
        try
        {
            switch (info.Format)
            {
                case ImageFormat.Heic or ImageFormat.Avif:
                {
                    using var rgb = HeifDecoder.Decode(body, info, out int bits);
                    return (rgb.Width, rgb.Height, rgb.Channels(), bits > 8);
                }
                case ImageFormat.JpegXl:
                {
                    using var rgb = JxlDecoder.Decode(body, info, out _);
                    return (rgb.Width, rgb.Height, rgb.Channels(), false);
                }
                default:
                {
                    using var decoded = Cv2.ImDecode(ImageInspector.Decodable(body, info), ImreadModes.Unchanged);
                    return decoded.Empty() ? null : (decoded.Width, decoded.Height, decoded.Channels(), decoded.Depth() == MatType.CV_16U);
                }
            }
        }
        catch (PipelineException e) when (e.Code == Pipeline.Errors.ErrorCode.CorruptImage)
        {
            return null;
        }
    }
}
