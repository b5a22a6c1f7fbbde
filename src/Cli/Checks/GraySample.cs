using System.Globalization;
using StbImageSharp;
using StbImageWriteSharp;

namespace Pipeline.Cli.Checks;

/// <summary>
/// Colour images to send and the check of what comes back: the same size, gray (every pixel's
/// channels equal), and the input's BT.601 luma (0.299 R + 0.587 G + 0.114 B), which the
/// service promises for every format. A JPEG's luma is its own Y channel (what the lossless
/// path copies), so it is compared with that; other formats with the luma of their pixels.
/// Saturated quadrants make any other gray (an average, Rec. 709, one channel) miss by tens of levels.
/// </summary>
public static class GraySample
{
    // Mean difference allowed from the expected luma, in levels of 255: re-encoding at quality 90 stays well under it.
    private const double MaxMeanDifference = 3.0;
    // Largest difference allowed between a pixel's channels in a "gray" answer.
    private const int MaxChannelSpread = 4;

    /// <summary>A colour JPEG (quality 90) of <paramref name="width"/> × <paramref name="height"/>, different for each <paramref name="seed"/>.</summary>
    public static byte[] Jpeg(int width, int height, int seed = 0) => Encode(width, height, seed, (writer, pixels, output) =>
        writer.WriteJpg(pixels, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, output, 90));

    /// <summary>A colour PNG of <paramref name="width"/> × <paramref name="height"/>, different for each <paramref name="seed"/>.</summary>
    public static byte[] Png(int width, int height, int seed = 0) => Encode(width, height, seed, (writer, pixels, output) =>
        writer.WritePng(pixels, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, output));

    /// <summary>Null when <paramref name="output"/> is <paramref name="input"/> in gray; otherwise what is wrong with it.</summary>
    public static string? Mismatch(byte[] input, byte[] output)
    {
        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(output, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (InvalidOperationException)
        {
            return $"the answer ({output.Length} bytes) is not an image";
        }
        var expected = Luma(input);
        if ((result.Width, result.Height) != (expected.Width, expected.Height))
            return $"the answer is {result.Width}×{result.Height}, the image sent {expected.Width}×{expected.Height}";

        int spread = 0;
        double difference = 0;
        var rgb = result.Data;
        for (int i = 0; i < expected.Data.Length; i++)
        {
            int r = rgb[3 * i], g = rgb[(3 * i) + 1], b = rgb[(3 * i) + 2];
            spread = Math.Max(spread, Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)));
            difference += Math.Abs(g - expected.Data[i]);
        }
        difference /= expected.Data.Length;
        if (spread > MaxChannelSpread)
            return $"the answer is in colour (a pixel's channels differ by {spread} levels)";
        if (difference > MaxMeanDifference)
            return string.Create(CultureInfo.InvariantCulture, $"the answer is gray but not the image's BT.601 luma (off by {difference:0.0} levels on average)");
        return null;
    }

    private static (int Width, int Height, byte[] Data) Luma(byte[] image)
    {
        bool jpeg = image.Length > 2 && image[0] == 0xFF && image[1] == 0xD8;
        if (jpeg)
        {
            var y = ImageResult.FromMemory(image, StbImageSharp.ColorComponents.Grey); // stb decodes only the Y channel
            return (y.Width, y.Height, y.Data);
        }
        var rgb = ImageResult.FromMemory(image, StbImageSharp.ColorComponents.RedGreenBlue);
        var luma = new byte[rgb.Width * rgb.Height];
        for (int i = 0; i < luma.Length; i++)
            luma[i] = (byte)Math.Round((0.299 * rgb.Data[3 * i]) + (0.587 * rgb.Data[(3 * i) + 1]) + (0.114 * rgb.Data[(3 * i) + 2]));
        return (rgb.Width, rgb.Height, luma);
    }

    private static byte[] Encode(int width, int height, int seed, Action<ImageWriter, byte[], Stream> write)
    {
        // Four saturated quadrants (their order turned by the seed) over a gentle diagonal ramp.
        byte[][] colours = [[230, 20, 20], [20, 200, 40], [30, 40, 220], [240, 220, 30]];
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int quadrant = ((y * 2 / height * 2) + (x * 2 / width) + seed) % 4;
                int ramp = (x + y) * 24 / (width + height);
                for (int c = 0; c < 3; c++)
                    pixels[(((y * width) + x) * 3) + c] = (byte)Math.Clamp(colours[quadrant][c] - 12 + ramp, 0, 255);
            }
        }
        using var output = new MemoryStream();
        write(new ImageWriter(), pixels, output);
        return output.ToArray();
    }
}
