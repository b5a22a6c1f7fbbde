using OpenCvSharp;

namespace Pipeline.Tests;

/// <summary>
/// Photos made by the real encoders of each format (Debian's heif-enc, avifenc, cjxl; jpgicc and
/// tificc from lcms; Pillow for tagging and for the references), from a photo-like sRGB source
/// generated here, and the gray a colour-managed viewer would show for them, computed
/// independently of the service by Pillow's ImageCms (colour_reference.py). Every tool runs in
/// its own temporary folder, removed afterwards. scripts/setup.sh installs the tools.
/// </summary>
public static class EncodedPhotos
{
    private static readonly string Script = Path.Combine(Artifacts.RepoRoot, "tests", "TestSupport", "colour_reference.py");
    private static readonly Lazy<byte[]> DisplayP3Profile = new(() => Run(folder =>
    {
        Python("display-p3", Path.Combine(folder, "p3.icc"));
        return File.ReadAllBytes(Path.Combine(folder, "p3.icc"));
    }));

    /// <summary>A Display P3 ICC profile (P3 primaries, D65, the sRGB curve), written by lcms.</summary>
    public static byte[] DisplayP3 => DisplayP3Profile.Value;

    /// <summary>P3 primaries with a pure power curve of <paramref name="gamma"/> (what a PNG's cHRM and gAMA state), written by lcms.</summary>
    public static byte[] P3WithGamma(double gamma) => Run(folder =>
    {
        Python("display-p3", Path.Combine(folder, "p3.icc"), gamma.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return File.ReadAllBytes(Path.Combine(folder, "p3.icc"));
    });

    /// <summary>Adobe RGB (1998), as colord ships it.</summary>
    public static byte[] AdobeRgb => File.ReadAllBytes("/usr/share/color/icc/colord/AdobeRGB1998.icc");

    /// <summary>ProPhoto RGB, as colord ships it.</summary>
    public static byte[] ProPhotoRgb => File.ReadAllBytes("/usr/share/color/icc/colord/ProPhotoRGB.icc");

    /// <summary>A CMYK press profile (ghostscript's default_cmyk.icc: AGPL, used by the tests only, never shipped).</summary>
    public static byte[] PressCmyk => File.ReadAllBytes("/usr/share/color/icc/ghostscript/default_cmyk.icc");

    /// <summary>
    /// A photo-like sRGB picture: saturated colours (where wide-gamut profiles differ most),
    /// smooth gradients and grain, as a PNG; with a soft alpha vignette, or 16 bits a sample.
    /// </summary>
    public static byte[] SourcePng(int width, int height, bool alpha = false, bool sixteenBit = false)
    {
        using var colour = TestImages.ColourMat(width, height, seed: 3);
        using var grain = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(grain, Scalar.All(0), Scalar.All(24));
        using var photo = new Mat();
        Cv2.Add(colour, grain, photo);
        Cv2.GaussianBlur(photo, photo, new Size(3, 3), 0);
        if (alpha)
        {
            using var bgra = photo.CvtColor(ColorConversionCodes.BGR2BGRA);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                    bgra.At<Vec4b>(y, x).Item3 = (byte)Math.Clamp(255 - 255 * x / width, 0, 255);
            }
            return TestImages.Encode(bgra, ".png");
        }
        if (!sixteenBit)
            return TestImages.Encode(photo, ".png");
        using var wide = new Mat();
        photo.ConvertTo(wide, MatType.CV_16UC3, 257);
        return TestImages.Encode(wide, ".png");
    }

    /// <summary><paramref name="srgbPng"/> converted into <paramref name="profile"/>'s space (perceptual), with the profile embedded.</summary>
    public static byte[] Tagged(byte[] srgbPng, byte[] profile) => Run(folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, "in.png"), srgbPng);
        File.WriteAllBytes(Path.Combine(folder, "profile.icc"), profile);
        Python("into", Path.Combine(folder, "in.png"), Path.Combine(folder, "profile.icc"), Path.Combine(folder, "out.png"));
        return File.ReadAllBytes(Path.Combine(folder, "out.png"));
    });

    /// <summary>heif-enc (libheif with x265) of a PNG: a HEIC.</summary>
    public static byte[] Heic(byte[] png, params string[] options) => Tool("heif-enc", png, ".png", ".heic", ["-q", "92", .. options, "{in}", "-o", "{out}"]);

    /// <summary>avifenc (libavif with aom) of a PNG: an AVIF.</summary>
    public static byte[] Avif(byte[] png, params string[] options) => Tool("avifenc", png, ".png", ".avif", ["--min", "4", "--max", "12", "-s", "8", .. options, "{in}", "{out}"]);

    /// <summary>cjxl (libjxl) of a PNG: a JPEG XL (lossy, distance 0.5, unless the options say otherwise).</summary>
    public static byte[] Jxl(byte[] png, params string[] options) => Tool("cjxl", png, ".png", ".jxl", ["{in}", "{out}", .. options.Length > 0 ? options : ["-d", "0.5"]]);

    /// <summary>A quality-95 sRGB JPEG of <paramref name="png"/> (OpenCV's libjpeg), the input of jpgicc.</summary>
    public static byte[] Jpeg(byte[] png)
    {
        using var decoded = Cv2.ImDecode(png, ImreadModes.Color);
        return TestImages.Encode(decoded, ".jpg", (int)ImwriteFlags.JpegQuality, 95);
    }

    /// <summary>jpgicc of a JPEG into <paramref name="profile"/>'s space (RGB or CMYK), the profile embedded unless <paramref name="embed"/> is false.</summary>
    public static byte[] Jpgicc(byte[] jpeg, byte[] profile, bool embed = true) => Run(folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, "profile.icc"), profile);
        File.WriteAllBytes(Path.Combine(folder, "in.jpg"), jpeg);
        Tools.Output("jpgicc", [.. embed ? new[] { "-e" } : [], "-q95", "-o" + Path.Combine(folder, "profile.icc"), Path.Combine(folder, "in.jpg"), Path.Combine(folder, "out.jpg")]);
        return File.ReadAllBytes(Path.Combine(folder, "out.jpg"));
    });

    /// <summary>tificc of an sRGB TIFF into <paramref name="profile"/>'s space, the profile embedded (tag 34675).</summary>
    public static byte[] Tificc(byte[] tiff, byte[] profile) => Run(folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, "profile.icc"), profile);
        File.WriteAllBytes(Path.Combine(folder, "in.tif"), tiff);
        Tools.Output("tificc", "-e", "-o" + Path.Combine(folder, "profile.icc"), Path.Combine(folder, "in.tif"), Path.Combine(folder, "out.tif"));
        return File.ReadAllBytes(Path.Combine(folder, "out.tif"));
    });

    /// <summary><paramref name="image"/> re-encoded by Pillow as <paramref name="extension"/> (".webp": lossless; ".jpg": 4:2:0), its ICC profile kept.</summary>
    public static byte[] Resaved(byte[] image, string extension) => Run(folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, "in.img"), image);
        Python("save", Path.Combine(folder, "in.img"), Path.Combine(folder, "out" + extension));
        return File.ReadAllBytes(Path.Combine(folder, "out" + extension));
    });

    /// <summary>The gray a colour-managed viewer shows for <paramref name="image"/> (a PNG, JPEG or TIFF that Pillow reads), by Pillow's ImageCms.</summary>
    public static Mat ReferenceGray(byte[] image) => Gray("gray", image);

    /// <summary>The luma of <paramref name="image"/>'s stored values, with no colour management (what the service did before).</summary>
    public static Mat StoredLuma(byte[] image) => Gray("stored-luma", image);

    private static Mat Gray(string command, byte[] image) => Run(folder =>
    {
        var input = Path.Combine(folder, "in.img");
        File.WriteAllBytes(input, image);
        Python(command, input, Path.Combine(folder, "out.pgm"));
        return Cv2.ImRead(Path.Combine(folder, "out.pgm"), ImreadModes.Unchanged);
    });

    private static byte[] Tool(string tool, byte[] input, string inputExtension, string outputExtension, string[] arguments) => Run(folder =>
    {
        string source = Path.Combine(folder, "in" + inputExtension), target = Path.Combine(folder, "out" + outputExtension);
        File.WriteAllBytes(source, input);
        Tools.Output(tool, [.. arguments.Select(a => a.Replace("{in}", source, StringComparison.Ordinal).Replace("{out}", target, StringComparison.Ordinal))]);
        return File.ReadAllBytes(target);
    });

    private static void Python(params string[] arguments) => Tools.Output("/usr/bin/python3", [Script, .. arguments]);

    private static T Run<T>(Func<string, T> work)
    {
        var folder = Directory.CreateTempSubdirectory("encoded-photos-");
        try
        {
            return work(folder.FullName);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
