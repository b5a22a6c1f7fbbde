using System.Buffers.Binary;
using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests;

/// <summary>Small images generated in memory, so no test depends on a downloaded file.</summary>
public static class TestImages
{
    static TestImages() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    /// <summary>A colourful BGR picture: four coloured quadrants over a diagonal gradient.</summary>
    public static Mat ColourMat(int width, int height, int seed = 0)
    {
        var mat = new Mat(height, width, MatType.CV_8UC3);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                byte g = (byte)((x + y + seed) * 255 / Math.Max(1, width + height));
                bool left = x < width / 2, top = y < height / 2;
                mat.At<Vec3b>(y, x) = (left, top) switch
                {
                    (true, true) => new Vec3b(g, 30, 220),     // reddish
                    (false, true) => new Vec3b(40, 200, g),    // greenish
                    (true, false) => new Vec3b(230, g, 20),    // bluish
                    _ => new Vec3b((byte)(255 - g), g, 128),
                };
            }
        }
        return mat;
    }

    /// <summary>Encodes <paramref name="mat"/> with OpenCV's encoder for <paramref name="extension"/>.</summary>
    public static byte[] Encode(Mat mat, string extension, params int[] parameters)
    {
        if (!Cv2.ImEncode(extension, mat, out var bytes, parameters))
            throw new InvalidOperationException($"could not encode {extension}");
        return bytes;
    }

    public static byte[] Jpeg(int width = 64, int height = 48, int quality = 95, int seed = 0)
    {
        using var mat = ColourMat(width, height, seed);
        return Encode(mat, ".jpg", (int)ImwriteFlags.JpegQuality, quality);
    }

    /// <summary>A JPEG of colour noise: big for its pixel count, like a detailed photo.</summary>
    public static byte[] NoisyJpeg(int width, int height, int quality = 95, int seed = 1)
    {
        using var mat = new Mat(height, width, MatType.CV_8UC3);
        var noise = new byte[width * height * 3];
        new Random(seed).NextBytes(noise);
        System.Runtime.InteropServices.Marshal.Copy(noise, 0, mat.Data, noise.Length);
        return Encode(mat, ".jpg", (int)ImwriteFlags.JpegQuality, quality);
    }

    public static byte[] ProgressiveJpeg(int width = 64, int height = 48)
    {
        using var mat = ColourMat(width, height);
        return Encode(mat, ".jpg", (int)ImwriteFlags.JpegQuality, 95, (int)ImwriteFlags.JpegProgressive, 1);
    }

    public static byte[] Png(int width = 64, int height = 48)
    {
        using var mat = ColourMat(width, height);
        return Encode(mat, ".png");
    }

    public static byte[] WebP(int width = 64, int height = 48, int quality = 101)
    {
        using var mat = ColourMat(width, height);
        return Encode(mat, ".webp", (int)ImwriteFlags.WebPQuality, quality);
    }

    public static byte[] Bmp(int width = 64, int height = 48)
    {
        using var mat = ColourMat(width, height);
        return Encode(mat, ".bmp");
    }

    public static byte[] Tiff(int width = 64, int height = 48)
    {
        using var mat = ColourMat(width, height);
        return Encode(mat, ".tiff");
    }

    /// <summary>A grayscale (one-channel) JPEG.</summary>
    public static byte[] GrayJpeg(int width = 64, int height = 48)
    {
        using var colour = ColourMat(width, height);
        using var gray = colour.CvtColor(ColorConversionCodes.BGR2GRAY);
        return Encode(gray, ".jpg", (int)ImwriteFlags.JpegQuality, 95);
    }

    /// <summary>A 16-bit-per-channel colour PNG.</summary>
    public static byte[] Png16(int width = 64, int height = 48)
    {
        using var colour = ColourMat(width, height);
        using var wide = new Mat();
        colour.ConvertTo(wide, MatType.CV_16UC3, 257);
        return Encode(wide, ".png");
    }

    /// <summary>A BGRA PNG whose left half is opaque and right half fully transparent.</summary>
    public static byte[] AlphaPng(int width = 64, int height = 48) => Encode(AlphaMat(width, height), ".png");

    /// <summary>The BGRA picture behind <see cref="AlphaPng"/>.</summary>
    public static Mat AlphaMat(int width, int height)
    {
        using var colour = ColourMat(width, height);
        var bgra = colour.CvtColor(ColorConversionCodes.BGR2BGRA);
        for (int y = 0; y < height; y++)
        {
            for (int x = width / 2; x < width; x++)
            {
                bgra.At<Vec4b>(y, x).Item3 = 0;
            }
        }
        return bgra;
    }

    /// <summary>
    /// A JPEG stored landscape (<paramref name="width"/> × <paramref name="height"/>) with an
    /// EXIF orientation tag; a red block marks the stored top-left corner.
    /// </summary>
    public static byte[] ExifOrientedJpeg(int width, int height, ushort orientation)
    {
        using var mat = new Mat(height, width, MatType.CV_8UC3, new Scalar(255, 255, 255));
        mat[new Rect(0, 0, width / 4, height / 4)].SetTo(new Scalar(0, 0, 255));
        var jpeg = Encode(mat, ".jpg", (int)ImwriteFlags.JpegQuality, 95);
        return WithExifOrientation(jpeg, orientation);
    }

    /// <summary>Inserts an APP1 EXIF segment holding only an Orientation tag after the SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation) =>
        AfterSoi(jpeg, App1(Exif(littleEndian: false, (0x0112, 3, 1, orientation))));

    /// <summary>A JPEG APP1 segment around <paramref name="payload"/>.</summary>
    public static byte[] App1(params byte[] payload) =>
        [0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];

    /// <summary><paramref name="jpeg"/> with <paramref name="segments"/> inserted right after its SOI marker.</summary>
    public static byte[] AfterSoi(byte[] jpeg, params byte[][] segments) =>
        [.. jpeg[..2], .. segments.SelectMany(s => s), .. jpeg[2..]];

    /// <summary>
    /// An Exif APP1 payload: "Exif\0\0", a TIFF header and IFD0 with the given (tag, type, count,
    /// value) entries; the value is written as the type stores one (4 bytes for LONG and SLONG).
    /// </summary>
    public static byte[] Exif(bool littleEndian, params (ushort Tag, ushort Type, uint Count, ushort Value)[] entries)
    {
        var tiff = new byte[8 + 2 + 12 * entries.Length + 4];
        void U16(int at, ushort v) { if (littleEndian) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), v); else BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), v); }
        void U32(int at, uint v) { if (littleEndian) BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), v); else BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), v); }
        (littleEndian ? "II"u8 : "MM"u8).CopyTo(tiff);
        U16(2, 42);
        U32(4, 8);
        U16(8, (ushort)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            U16(10 + 12 * i, entries[i].Tag);
            U16(12 + 12 * i, entries[i].Type);
            U32(14 + 12 * i, entries[i].Count);
            if (entries[i].Type is 4 or 9)
                U32(18 + 12 * i, entries[i].Value);
            else
                U16(18 + 12 * i, entries[i].Value);
        }
        return [.. "Exif\0\0"u8, .. tiff];
    }

    /// <summary>
    /// A <paramref name="side"/>×<paramref name="side"/> image of eight flat colour bands in
    /// <paramref name="type"/>: a large image (49,999,041 pixels at side 7071, just under the
    /// 50 MP limit) in a small file.
    /// </summary>
    public static byte[] Bands(int side, MatType type, string extension, params int[] parameters)
    {
        using var mat = new Mat(side, side, type, Scalar.All(0));
        double scale = type.Depth == MatType.CV_16U ? 257 : 1;
        for (int band = 0; band < 8; band++)
        {
            using var region = mat[new Rect(band * side / 8, 0, side / 8, side)];
            region.SetTo(new Scalar(30 * band * scale, (255 - 30 * band) * scale, 128 * scale));
        }
        return Encode(mat, extension, parameters);
    }

    /// <summary>Inserts a chunk (e.g. gAMA, sRGB) right after a PNG's IHDR chunk, with its CRC.</summary>
    public static byte[] WithPngChunk(byte[] png, string type, byte[] data)
    {
        const int AfterIhdr = 8 + 12 + 13; // signature, then IHDR: length, type, 13 bytes, CRC
        using var chunk = new MemoryStream();
        HostileCorpus.WritePngChunk(chunk, type, data);
        return [.. png.AsSpan(0, AfterIhdr), .. chunk.ToArray(), .. png.AsSpan(AfterIhdr)];
    }

    /// <summary>A gAMA chunk's data: the file gamma times 100,000 (45,455 is the usual 1/2.2).</summary>
    public static byte[] GammaChunk(uint gammaTimes100000)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, gammaTimes100000);
        return data;
    }
}
