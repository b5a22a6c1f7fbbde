using OpenCvSharp;

namespace Pipeline.Tests;

/// <summary>
/// Photo-like JPEGs in the layouts encoders write (chroma subsampling, progressive, restart
/// markers, grayscale), and the kinds the lossless path must leave alone (RGB-coded,
/// arithmetic-coded), generated in the test run: OpenCV's encoder for the first, libjpeg-turbo's
/// cjpeg and jpegtran (Debian's libjpeg-turbo-progs, installed by scripts/setup.sh) for the rest.
/// </summary>
public static class JpegSamples
{
    // IMWRITE_JPEG_SAMPLING_FACTOR and its values (OpenCV 4.5.5+; not in OpenCvSharp's enum): 0xHVhvhv of Y, Cb, Cr.
    private const int SamplingFactor = 7;

    /// <summary>
    /// <see cref="TestImages.ColourMat"/> with grain, so every 8x8 block has detail a re-encode
    /// would change, encoded at quality 92 in <paramref name="layout"/>: 4:4:4, 4:2:2, 4:2:0,
    /// 4:4:0, 4:1:1, progressive (4:2:0), restart (4:2:0, a restart marker every 2 MCUs) or gray.
    /// </summary>
    public static byte[] Photo(int width, int height, string layout, int seed = 7)
    {
        using var colour = TestImages.ColourMat(width, height, seed);
        using var grain = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(grain, Scalar.All(0), Scalar.All(40));
        using var photo = new Mat();
        Cv2.Add(colour, grain, photo);
        int[] quality = [(int)ImwriteFlags.JpegQuality, 92];
        if (layout == "gray")
        {
            using var gray = photo.CvtColor(ColorConversionCodes.BGR2GRAY);
            return TestImages.Encode(gray, ".jpg", quality);
        }
        int[] options = layout switch
        {
            "4:4:4" => [SamplingFactor, 0x111111],
            "4:2:2" => [SamplingFactor, 0x211111],
            "4:2:0" => [SamplingFactor, 0x221111],
            "4:4:0" => [SamplingFactor, 0x121111],
            "4:1:1" => [SamplingFactor, 0x411111],
            "progressive" => [SamplingFactor, 0x221111, (int)ImwriteFlags.JpegProgressive, 1],
            "restart" => [SamplingFactor, 0x221111, (int)ImwriteFlags.JpegRstInterval, 2],
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown layout"),
        };
        return TestImages.Encode(photo, ".jpg", [.. quality, .. options]);
    }

    /// <summary>A JPEG storing R, G and B without a colour transform (cjpeg -rgb: Adobe APP14, transform 0).</summary>
    public static byte[] RgbCoded(int width, int height)
    {
        using var colour = TestImages.ColourMat(width, height);
        return WithTool(TestImages.Encode(colour, ".ppm"), "ppm", "cjpeg", "-rgb", "-quality", "92");
    }

    /// <summary><paramref name="jpeg"/> losslessly re-coded with arithmetic coding (jpegtran -arithmetic: SOF9).</summary>
    public static byte[] ArithmeticCoded(byte[] jpeg) => Jpegtran(jpeg, "-arithmetic");

    /// <summary><paramref name="jpeg"/> through libjpeg-turbo's jpegtran with <paramref name="options"/> (e.g. -rotate 90 -perfect).</summary>
    public static byte[] Jpegtran(byte[] jpeg, params string[] options) => WithTool(jpeg, "jpg", "jpegtran", options);

    private static byte[] WithTool(byte[] input, string extension, string tool, params string[] options)
    {
        var folder = Directory.CreateTempSubdirectory("jpeg-samples-");
        try
        {
            var source = Path.Combine(folder.FullName, "in." + extension);
            var target = Path.Combine(folder.FullName, "out.jpg");
            File.WriteAllBytes(source, input);
            Tools.Output(tool, [.. options, "-outfile", target, source]);
            return File.ReadAllBytes(target);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
