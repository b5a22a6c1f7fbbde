using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging.Colour;
using Pipeline.Imaging.Readers;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging;

/// <summary>
/// Encoded bytes in, encoded grayscale bytes out. Gray is one thing for every format: BT.601
/// luma (0.299 R + 0.587 G + 0.114 B) of gamma-encoded sRGB values. An image that states
/// another colour space (an ICC profile, PNG cHRM with gAMA, a HEIF nclx) is converted to sRGB
/// first, and HEIC, AVIF, JPEG XL and CMYK JPEGs are decoded by their own libraries
/// (<see cref="ColourGray"/>). A JPEG asked for as a JPEG with no quality named keeps its own
/// luma, losslessly (<see cref="LosslessJpeg"/>), where that can be done exactly and its
/// colours are sRGB's; everything else goes through OpenCV. Opaque images are decoded
/// luma-only (libjpeg then skips the chroma upsampling and colour conversion); images
/// with alpha keep it where the output format can carry it and are flattened onto white
/// where it cannot. The orientation applied is the inspection's on every path (the decoders'
/// own Exif readers are told to ignore it), a PNG reaches libpng as its minimal form
/// (<see cref="PngReader.Minimal"/>), nothing touches the file system and every Mat is
/// disposed on every path.
/// </summary>
public sealed class GrayscaleConverter
{
    /// <summary>The JPEG and WebP quality used when the caller names none and the image is re-encoded.</summary>
    public const int DefaultQuality = 90;

    // OpenCV encodes a WebP losslessly for a quality above 100 (libwebp's WebPEncodeLossless*: effort 70, method 4).
    private const int LosslessWebPQuality = 101;

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

    /// <summary>Inspects, then converts to grayscale in the input's own format; see the other overload for <paramref name="quality"/>.</summary>
    public ConvertedImage Convert(ReadOnlySpan<byte> encoded, int? quality = null)
    {
        var info = Inspect(encoded);
        return Convert(encoded, info, info.Format.DefaultOutput(), quality);
    }

    /// <summary>
    /// Converts an image already inspected (and checked against the limits) by <see cref="Inspect"/> to grayscale, encoded as
    /// <paramref name="output"/>. <paramref name="quality"/> (1–100) applies to JPEG and WebP
    /// encoding; null means the caller named none: a JPEG whose output is a JPEG then keeps its
    /// luma losslessly where it can, a lossless WebP whose output is a WebP is encoded losslessly
    /// (<see cref="EncodesLosslessWebP"/>), a 16-bit PNG or TIFF keeps 16 bits in a PNG or TIFF
    /// (<see cref="KeepsSixteenBits"/>), and anything else encoded gets <see cref="DefaultQuality"/>.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the converter's instance API, with Inspect, which enforces its limits.")]
    public ConvertedImage Convert(ReadOnlySpan<byte> encoded, ImageInfo info, ImageFormat output, int? quality = null)
    {
        if (quality is { } named)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(named, 1, nameof(quality));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(named, 100, nameof(quality));
        }
        int longestSide = Math.Max(info.Width, info.Height); // either may end up as the width after orientation
        if (longestSide > output.MaxSide())
        {
            throw new PipelineException(ErrorCode.InvalidRequest,
                $"{output.DisplayName()} holds at most {output.MaxSide()} pixels a side and the image is {info.Width}x{info.Height}; ask for PNG.");
        }

        var plan = ColourGray.For(encoded, info);
        if (plan is null && quality is null && output == ImageFormat.Jpeg && LosslessJpeg.TryConvert(encoded, info) is { } lossless)
            return lossless;

        var decodable = ImageInspector.Decodable(encoded, info);
        bool sixteenBit = KeepsSixteenBits(info, output, quality);
        using var stored = plan is not null ? ColourGray.Decode(decodable, info, plan, output)
            : info.HasAlpha ? DecodeWithAlpha(decodable, info, output, sixteenBit) : DecodeLuma(decodable, info, sixteenBit);
        using var upright = Orient(stored, info.Orientation);
        var bytes = Encode(upright ?? stored, output, EncodesLosslessWebP(info, output, quality) ? LosslessWebPQuality : quality ?? DefaultQuality);
        return new ConvertedImage(bytes, output, (upright ?? stored).Width, (upright ?? stored).Height);
    }

    /// <summary>
    /// True when the result is a lossless WebP: a lossless WebP (<see cref="ImageInfo.Lossless"/>)
    /// asked for as a WebP with no quality named stays lossless, as a PNG does.
    /// </summary>
    public static bool EncodesLosslessWebP(ImageInfo info, ImageFormat output, int? quality) =>
        quality is null && output == ImageFormat.WebP && info.Lossless;

    /// <summary>
    /// True when the result keeps 16 bits a sample: a 16-bit PNG or TIFF whose output is a PNG or
    /// TIFF (which can hold them), with no quality named (a named quality re-encodes at 8 bits,
    /// as it re-encodes a JPEG's luma), and not colour-tagged (the colour-managed gray is 8-bit).
    /// JPEG, WebP and BMP results are 8-bit.
    /// </summary>
    public static bool KeepsSixteenBits(ImageInfo info, ImageFormat output, int? quality) =>
        quality is null && info.SixteenBit && !info.ColourTagged && output is ImageFormat.Png or ImageFormat.Tiff;

    private static Mat DecodeLuma(ReadOnlySpan<byte> encoded, ImageInfo info, bool sixteenBit)
    {
        var mat = sixteenBit
            ? DecodeSixteenBitLuma(encoded, info)
            : info.Format == ImageFormat.Png && info.Channels == 3
                ? DecodePngColourToLuma(encoded, info)
                : Decode(encoded, ImreadModes.Grayscale, info); // also reduces 16-bit input to 8 bits
        if (mat.Type() != (sixteenBit ? MatType.CV_16UC1 : MatType.CV_8UC1))
        {
            mat.Dispose();
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image decoded to an unexpected pixel type.");
        }
        return mat;
    }

    /// <summary>
    /// A colour PNG decoded in colour, then converted like every other format: OpenCV's grayscale
    /// PNG decoding has libpng convert to gray in linear light whenever the file states its gamma
    /// (a gAMA or sRGB chunk), which comes out several levels brighter than the same pixels
    /// without it. Decoding in colour applies no gamma. It costs no more time (libpng's own
    /// conversion is slower than cvtColor) but holds 3 bytes a pixel for a moment.
    /// </summary>
    private static Mat DecodePngColourToLuma(ReadOnlySpan<byte> encoded, ImageInfo info)
    {
        using var colour = Decode(encoded, ImreadModes.Color, info);
        if (colour.Type() != MatType.CV_8UC3)
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image decoded to an unexpected pixel type.");
        return Owned(new Mat(), luma => Cv2.CvtColor(colour, luma, ColorConversionCodes.BGR2GRAY));
    }

    /// <summary>
    /// A 16-bit image's luma at 16 bits: gray decoded as it is, colour decoded in colour (no gamma
    /// applied, as for 8 bits) and converted with the same BT.601 weights.
    /// </summary>
    private static Mat DecodeSixteenBitLuma(ReadOnlySpan<byte> encoded, ImageInfo info)
    {
        if (info.Channels == 1)
            return Decode(encoded, ImreadModes.AnyDepth | ImreadModes.Grayscale, info);
        using var colour = Decode(encoded, ImreadModes.AnyDepth | ImreadModes.Color, info);
        if (colour.Type() != MatType.CV_16UC3)
            throw new PipelineException(ErrorCode.CorruptImage, $"The {info.Format.DisplayName()} image decoded to an unexpected pixel type.");
        return Owned(new Mat(), luma => Cv2.CvtColor(colour, luma, ColorConversionCodes.BGR2GRAY));
    }

    private static Mat DecodeWithAlpha(ReadOnlySpan<byte> encoded, ImageInfo info, ImageFormat output, bool keepSixteenBits)
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
        if (sixteenBit && !keepSixteenBits)
        {
            luma.ConvertTo(luma, MatType.CV_8U, 1.0 / 257);
            if (!alpha.Empty())
                alpha.ConvertTo(alpha, MatType.CV_8U, 1.0 / 257);
        }

        return WithAlpha(luma, alpha, output);
    }

    /// <summary>
    /// A new Mat of <paramref name="luma"/> alone when <paramref name="alpha"/> is empty, else of
    /// both when <paramref name="output"/> carries alpha (the luma three times, then the alpha),
    /// else of the luma flattened onto white.
    /// </summary>
    internal static Mat WithAlpha(Mat luma, Mat alpha, ImageFormat output)
    {
        if (alpha.Empty())
            return Owned(new Mat(), result => luma.CopyTo(result));
        if (output.SupportsAlpha())
            return Owned(new Mat(), result => Cv2.Merge([luma, luma, luma, alpha], result));
        // Flatten onto white: v = luma·a/255 + (255 − a).
        using var covered = new Mat();
        using var uncovered = new Mat();
        Cv2.Multiply(luma, alpha, covered, 1.0 / 255);
        Cv2.Subtract(new Scalar(255), alpha, uncovered);
        return Owned(new Mat(), result => Cv2.Add(covered, uncovered, result));
    }

    /// <summary>
    /// The image turned upright for Exif orientation 2–8 (a new Mat the caller disposes), or
    /// null for 1; the same moves the lossless path makes (see <see cref="LosslessJpeg"/>).
    /// </summary>
    private static Mat? Orient(Mat stored, int orientation) => orientation switch
    {
        2 => Owned(new Mat(), m => Cv2.Flip(stored, m, FlipMode.Y)),
        3 => Owned(new Mat(), m => Cv2.Rotate(stored, m, RotateFlags.Rotate180)),
        4 => Owned(new Mat(), m => Cv2.Flip(stored, m, FlipMode.X)),
        5 => Owned(new Mat(), m => Cv2.Transpose(stored, m)),
        6 => Owned(new Mat(), m => Cv2.Rotate(stored, m, RotateFlags.Rotate90Clockwise)),
        7 => Owned(new Mat(), m =>
        {
            Cv2.Transpose(stored, m);
            Cv2.Flip(m, m, FlipMode.XY);
        }),
        8 => Owned(new Mat(), m => Cv2.Rotate(stored, m, RotateFlags.Rotate90Counterclockwise)),
        _ => null,
    };

    /// <summary>Fills <paramref name="mat"/> with <paramref name="fill"/> and returns it, disposing it if that throws.</summary>
    private static Mat Owned(Mat mat, Action<Mat> fill)
    {
        try
        {
            fill(mat);
            return mat;
        }
        catch
        {
            mat.Dispose();
            throw;
        }
    }

    /// <summary>Decodes as stored: the decoders' own orientation handling is always off (see <see cref="Orient"/>).</summary>
    internal static Mat Decode(ReadOnlySpan<byte> encoded, ImreadModes mode, ImageInfo info)
    {
        // IMREAD_UNCHANGED (-1) already ignores orientation; the others are told to.
        var flags = mode == ImreadModes.Unchanged ? mode : mode | ImreadModes.IgnoreOrientation;
        Mat mat;
        try
        {
            mat = Cv2.ImDecode(encoded, flags);
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
        if (mat.Width != info.Width || mat.Height != info.Height)
        {
            // The differential test keeps the readers and decoders in agreement; should they ever
            // part, the decoded image is not trusted.
            var decoded = $"{mat.Width}x{mat.Height}";
            mat.Dispose();
            throw new PipelineException(ErrorCode.CorruptImage,
                $"The {info.Format.DisplayName()} image decoded as {decoded} pixels where its header says {info.Width}x{info.Height}.");
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
