using OpenCvSharp;

namespace Pipeline.Bench;

/// <summary>
/// Photo-like test pictures, generated so every run and every peer sees the same bytes:
/// soft multi-scale luminance texture, low-frequency colour casts, hard-edged shapes and
/// sensor-like grain. Smooth gradients would compress to a tenth of a real photo's size and
/// make every decoder look fast; this lands near a camera JPEG's 2–3 bits per pixel at q90.
/// </summary>
public static class PhotoImages
{
    /// <summary>The quality the benchmark's inputs are encoded at.</summary>
    public const int Quality = 90;


    /// <summary>A <paramref name="width"/> × <paramref name="height"/> BGR scene.</summary>
    public static Mat Scene(int width, int height, int seed)
    {
        Cv2.SetTheRNG((ulong)seed);
        var random = new Random(seed);
        var size = new Size(width, height);
        int longSide = Math.Max(width, height);

        // Luminance: octaves of upsampled noise, from large regions down to fine texture.
        using var luma = new Mat(size, MatType.CV_32FC1, Scalar.All(0));
        double amplitude = 60;
        for (int cell = longSide / 3; cell >= 3; cell /= 3)
        {
            AddUpsampledNoise(luma, cell, amplitude);
            amplitude *= 0.85;
        }

        // Colour: broad casts only, as in photographs, where chroma changes slowly.
        var channels = new Mat[3];
        for (int c = 0; c < 3; c++)
        {
            channels[c] = luma.Clone();
            AddUpsampledNoise(channels[c], longSide / 4, 35);
            AddUpsampledNoise(channels[c], longSide / 40, 12);
        }
        using var scene = new Mat();
        Cv2.Merge(channels, scene);
        foreach (var channel in channels)
            channel.Dispose();
        Cv2.Add(scene, Scalar.All(120), scene);

        // Objects: hard edges with their own shading, so the encoder meets real contours.
        int shapes = 60;
        for (int i = 0; i < shapes; i++)
        {
            var colour = new Scalar(random.Next(20, 235), random.Next(20, 235), random.Next(20, 235));
            var centre = new Point(random.Next(width), random.Next(height));
            int extent = (int)(longSide * (0.02 + random.NextDouble() * 0.12));
            switch (i % 3)
            {
                case 0:
                    Cv2.Rectangle(scene, new Rect(centre.X, centre.Y, extent, extent * 2 / 3), colour, -1, LineTypes.AntiAlias);
                    break;
                case 1:
                    Cv2.Circle(scene, centre, extent / 2, colour, -1, LineTypes.AntiAlias);
                    break;
                default:
                    var end = new Point(centre.X + random.Next(-extent, extent), centre.Y + random.Next(-extent, extent));
                    Cv2.Line(scene, centre, end, colour, Math.Max(1, extent / 20), LineTypes.AntiAlias);
                    break;
            }
        }
        using (var shading = new Mat(size, MatType.CV_32FC1, Scalar.All(0)))
        {
            AddUpsampledNoise(shading, longSide / 60, 10);
            AddUpsampledNoise(shading, 4, 5);
            using var shading3 = new Mat();
            Cv2.Merge([shading, shading, shading], shading3);
            Cv2.Add(scene, shading3, scene);
        }

        // Grain: slightly soft, like demosaiced sensor noise.
        using (var grain = new Mat(size, MatType.CV_32FC3))
        {
            Cv2.Randn(grain, Scalar.All(0), Scalar.All(8));
            Cv2.GaussianBlur(grain, grain, new Size(0, 0), 0.6);
            Cv2.Add(scene, grain, scene);
        }

        var bgr = new Mat();
        scene.ConvertTo(bgr, MatType.CV_8UC3);
        return bgr;
    }

    /// <summary>The scene encoded as a baseline JPEG at <see cref="Quality"/>.</summary>
    public static byte[] Jpeg(int width, int height, int seed)
    {
        using var scene = Scene(width, height, seed);
        return Encode(scene);
    }

    /// <summary>Encodes a BGR picture as a JPEG at <see cref="Quality"/>.</summary>
    public static byte[] Encode(Mat bgr)
    {
        if (!Cv2.ImEncode(".jpg", bgr, out var bytes, [(int)ImwriteFlags.JpegQuality, Quality]))
            throw new InvalidOperationException("could not encode the scene");
        return bytes;
    }

    private static void AddUpsampledNoise(Mat target, int cell, double amplitude)
    {
        int rows = Math.Max(2, target.Rows / cell + 2), cols = Math.Max(2, target.Cols / cell + 2);
        using var small = new Mat(rows, cols, MatType.CV_32FC1);
        Cv2.Randn(small, Scalar.All(0), Scalar.All(amplitude));
        using var large = new Mat();
        Cv2.Resize(small, large, target.Size(), interpolation: InterpolationFlags.Cubic);
        Cv2.Add(target, large, target);
    }
}
