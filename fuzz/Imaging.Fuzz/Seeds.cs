using System.Text.RegularExpressions;
using Pipeline.Tests;

namespace Pipeline.Imaging.Fuzz;

/// <summary>
/// Where fuzzing starts: small images of every format and layout the tests generate (the
/// hostile corpus's valid and awkward images, the JPEG layouts, hand-written TIFFs, PNGs with
/// ancillary chunks, HEIC, AVIF and JPEG XL from their encoders, colour-tagged and CMYK images),
/// and the repository's photos cropped to 16x16 with every marker kept, so
/// real cameras' Exif and colour segments are there without their megapixels.
/// </summary>
public static partial class Seeds
{
    /// <summary>Larger inputs slow every execution down and mutate no better.</summary>
    public const int MaxBytes = 16 << 10;

    /// <summary>Every seed, named for a file.</summary>
    public static IEnumerable<(string Name, byte[] Body)> All() =>
        Generated().Concat(Photos())
            .Where(s => s.Body.Length <= MaxBytes)
            .DistinctBy(s => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s.Body)))
            .Select(s => (Unsafe().Replace(s.Name, "-"), s.Body));

    private static IEnumerable<(string Name, byte[] Body)> Generated()
    {
        foreach (var c in HostileCorpus.All.Values.Where(c => c.IsImage || c.IsBomb).OrderBy(c => c.Name, StringComparer.Ordinal))
            yield return (c.Name, c.Body);
        foreach (var layout in new[] { "4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1", "progressive", "restart", "gray" })
            yield return ($"jpeg-{layout}", JpegSamples.Photo(48, 32, layout));
        yield return ("jpeg-rgb-coded", JpegSamples.RgbCoded(48, 32));
        yield return ("jpeg-arithmetic", JpegSamples.ArithmeticCoded(JpegSamples.Photo(48, 32, "4:2:0")));
        foreach (var (bits, samples) in new[] { (8, 1), (16, 1), (8, 2), (16, 2), (8, 3), (16, 3), (8, 4), (16, 4) })
            yield return ($"tiff-{samples}x{bits}-bit", TiffBuilder.Zeros(24, 16, bits, samples));
        yield return ("tiff-size-tags-repeated-small", TiffBuilder.Zeros(24, 16, 8, 3, TiffBuilder.SizeTags.RepeatedThenEight));
        yield return ("tiff-size-tags-long8-small", TiffBuilder.Zeros(24, 16, 8, 3, TiffBuilder.SizeTags.Long8));
        yield return ("bmp-small", TestImages.Bmp(16, 12));
        yield return ("png-16bit-small", TestImages.Png16(16, 12));
        yield return ("png-16bit-alpha-small", HostileCorpus.Png16Alpha(24, 16));
        yield return ("png-ztxt-small", HostileCorpus.PngWithTextBombs(TestImages.Png(16, 16), 2, 1000));
        yield return ("png-gamma", TestImages.WithPngChunk(TestImages.Png(16, 16), "gAMA", TestImages.GammaChunk(45455)));
        yield return ("webp-lossy-small", TestImages.WebP(24, 16, quality: 80));
        yield return ("webp-lossless-small", TestImages.WebP(24, 16));
        // The phones' formats (real encoders) and colour-stated images: the colour-managed path.
        var small = TestImages.Png(24, 16);
        yield return ("heic-small", EncodedPhotos.Heic(small));
        yield return ("heic-10bit-small", EncodedPhotos.Heic(TestImages.Png16(24, 16), "-b", "10"));
        yield return ("avif-small", EncodedPhotos.Avif(small));
        yield return ("avif-alpha-small", EncodedPhotos.Avif(HostileCorpus.Png16Alpha(24, 16)));
        yield return ("avif-grid-small", EncodedPhotos.Avif(TestImages.Png(128, 128), "-g", "2x2"));
        yield return ("avif-rotated-small", EncodedPhotos.Avif(small, "--irot", "3", "--imir", "0"));
        yield return ("jxl-small", EncodedPhotos.Jxl(small));
        yield return ("jxl-lossless-small", EncodedPhotos.Jxl(small, "-d", "0"));
        yield return ("jpeg-p3-small", EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(small), EncodedPhotos.DisplayP3));
        yield return ("jpeg-cmyk-small", EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(small), EncodedPhotos.PressCmyk));
        yield return ("png-adobe-rgb-small", EncodedPhotos.Tagged(small, EncodedPhotos.AdobeRgb));
    }

    private static IEnumerable<(string Name, byte[] Body)> Photos() =>
        Directory.EnumerateFiles(Path.Combine(Artifacts.RepoRoot, "samples"), "*.jpg", SearchOption.AllDirectories)
            .Append(Path.Combine(Artifacts.RepoRoot, "kitty.jpg"))
            .Order(StringComparer.Ordinal)
            .Select(path => ("photo-" + Path.GetFileNameWithoutExtension(path), JpegSamples.Jpegtran(File.ReadAllBytes(path), "-crop", "16x16+0+0", "-copy", "all")));

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
