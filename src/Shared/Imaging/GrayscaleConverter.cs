using OpenCvSharp;
using Pipeline.Errors;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging;

/// <summary>An encoded grayscale image.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="Format">Its format.</param>
/// <param name="Width">Width in pixels, after EXIF orientation was applied.</param>
/// <param name="Height">Height in pixels, after EXIF orientation was applied.</param>
public sealed record ConvertedImage(byte[] Bytes, ImageFormat Format, int Width, int Height);

/// <summary>
/// Encoded bytes in, encoded grayscale bytes out, on OpenCV. Opaque images are decoded
/// luma-only (libjpeg then skips the chroma upsampling and colour conversion); images
/// with alpha keep it where the output format can carry it and are flattened onto white
/// where it cannot. Nothing touches the file system and every Mat is disposed.
/// </summary>
public sealed class GrayscaleConverter
{
    /// <summary>The quality used when the caller names none.</summary>
    public const int DefaultQuality = 90;

    private readonly ImagingLimits _limits;

    /// <summary>Creates a converter enforcing <paramref name="limits"/> (validated when they were read).</summary>
    public GrayscaleConverter(ImagingLimits limits)
    {
        _limits = limits;
    }

    /// <summary>Recognises the image and checks it against the limits; see <see cref="ImageInspector"/>.</summary>
    public ImageInfo Inspect(ReadOnlySpan<byte> encoded)
    {
        var info = ImageInspector.Inspect(encoded);
        _limits.Check(info);
        return info;
    }

    /// <summary>Inspects, then converts to grayscale in the input's own format.</summary>
    public ConvertedImage Convert(ReadOnlySpan<byte> encoded, int quality = DefaultQuality)
    {
        var info = Inspect(encoded);
        return Convert(encoded, info, info.Format, quality);
    }

    /// <summary>
    /// Converts an image already inspected (and checked against the limits) by <see cref="Inspect"/> to grayscale, encoded as
    /// <paramref name="output"/>. <paramref name="quality"/> (1–100) applies to JPEG and WebP.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the converter's instance API, with Inspect, which enforces its limits.")]
    public ConvertedImage Convert(ReadOnlySpan<byte> encoded, ImageInfo info, ImageFormat output, int quality = DefaultQuality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        int longestSide = Math.Max(info.Width, info.Height); // either may end up as the width after EXIF rotation
        if (longestSide > output.MaxSide())
        {
            throw new PipelineException(ErrorCode.InvalidRequest,
                $"{output.DisplayName()} holds at most {output.MaxSide()} pixels a side and the image is {info.Width}x{info.Height}; ask for PNG.");
        }

        using var gray = info.HasAlpha ? DecodeWithAlpha(encoded, info, output) : DecodeLuma(encoded, info);
        var bytes = Encode(gray, output, quality);
        return new ConvertedImage(bytes, output, gray.Width, gray.Height);
    }

    private static Mat DecodeLuma(ReadOnlySpan<byte> encoded, ImageInfo info)
    {
        // Grayscale mode also applies the EXIF orientation and reduces 16-bit input to 8 bits.
        var mat = Decode(encoded, ImreadModes.Grayscale, info);
        if (mat.Type() != MatType.CV_8UC1)
        {
            mat.Dispose();
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image decoded to an unexpected pixel type.");
        }
        return mat;
    }

    private static Mat DecodeWithAlpha(ReadOnlySpan<byte> encoded, ImageInfo info, ImageFormat output)
    {
        // The decoded image is the largest buffer (8 bytes a pixel for 16-bit RGBA, against 4
        // for the result): only the luma and alpha planes are taken from it, and it is freed
        // before they are narrowed to 8 bits and the result is built.
        using var luma = new Mat();
        using var alpha = new Mat();
        bool sixteenBit;
        using (var raw = Decode(encoded, ImreadModes.Unchanged, info))
        {
            if (raw.Depth() != MatType.CV_8U && raw.Depth() != MatType.CV_16U)
                throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image has an unsupported sample type.");
            sixteenBit = raw.Depth() == MatType.CV_16U;
            switch (raw.Channels())
            {
                case 4:
                    Cv2.CvtColor(raw, luma, ColorConversionCodes.BGRA2GRAY);
                    Cv2.ExtractChannel(raw, alpha, 3);
                    break;
                case 3:
                    Cv2.CvtColor(raw, luma, ColorConversionCodes.BGR2GRAY);
                    break;
                case 2:
                    Cv2.ExtractChannel(raw, luma, 0);
                    Cv2.ExtractChannel(raw, alpha, 1);
                    break;
                default:
                    raw.CopyTo(luma);
                    break;
            }
        }
        if (sixteenBit)
        {
            luma.ConvertTo(luma, MatType.CV_8U, 1.0 / 257);
            if (!alpha.Empty())
                alpha.ConvertTo(alpha, MatType.CV_8U, 1.0 / 257);
        }

        var result = new Mat();
        if (alpha.Empty())
        {
            luma.CopyTo(result);
        }
        else if (output.SupportsAlpha())
        {
            Cv2.Merge([luma, luma, luma, alpha], result);
        }
        else
        {
            // Flatten onto white: v = luma·a/255 + (255 − a).
            using var covered = new Mat();
            using var uncovered = new Mat();
            Cv2.Multiply(luma, alpha, covered, 1.0 / 255);
            Cv2.Subtract(new Scalar(255), alpha, uncovered);
            Cv2.Add(covered, uncovered, result);
        }
        return result;
    }

    private static Mat Decode(ReadOnlySpan<byte> encoded, ImreadModes mode, ImageInfo info)
    {
        Mat mat;
        try
        {
            mat = Cv2.ImDecode(encoded, mode);
        }
        catch (OpenCVException e)
        {
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image could not be decoded.", e);
        }
        if (mat.Empty())
        {
            mat.Dispose();
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image could not be decoded.");
        }
        return mat;
    }

    private static byte[] Encode(Mat image, ImageFormat format, int quality)
    {
        int[] parameters = format switch
        {
            ImageFormat.Jpeg => [(int)ImwriteFlags.JpegQuality, quality],
            ImageFormat.WebP => [(int)ImwriteFlags.WebPQuality, quality],
            _ => [],
        };
        if (!Cv2.ImEncode(format.EncoderExtension(), image, out var bytes, parameters))
            throw new InvalidOperationException($"OpenCV could not encode {format}.");
        return bytes;
    }
}
