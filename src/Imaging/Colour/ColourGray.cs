using OpenCvSharp;
using Pipeline.Imaging.Heif;
using Pipeline.Imaging.Jxl;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// Gray for the images OpenCV's plain path does not serve: HEIC and AVIF (libheif) and JPEG XL
/// (libjxl), decoded to RGB by their own libraries; CMYK JPEGs (<see cref="CmykJpeg"/>); and
/// images whose colours are stated in another space than sRGB, whose pixels are converted to
/// sRGB with lcms before the luma is taken (<see cref="SrgbLuma"/>). Everything else (and an
/// image whose profile turns out to be sRGB, or one viewers would ignore) keeps the plain path,
/// the lossless JPEG path included. The result is what the plain path gives: the luma plane,
/// with alpha kept or flattened, as stored; the caller applies the orientation and encodes
/// (no colour profile is written, so no viewer reinterprets the gray).
/// </summary>
internal static class ColourGray
{
    /// <summary>What converting an image takes on this path: its colour space when it is converted.</summary>
    /// <param name="Profile">The space the stored values are in, when not sRGB (RGB, or CMYK for a CMYK JPEG).</param>
    public sealed record Plan(ColourProfile? Profile);

    /// <summary>
    /// The plan for <paramref name="encoded"/>, inspected as <paramref name="info"/>, or null when
    /// the plain path serves it. Examining a stated profile loads lcms (once per profile).
    /// </summary>
    public static Plan? For(ReadOnlySpan<byte> encoded, ImageInfo info)
    {
        bool ownDecoder = info.Format is ImageFormat.Heic or ImageFormat.Avif or ImageFormat.JpegXl;
        bool cmyk = info.Format == ImageFormat.Jpeg && info.Components == 4 && TurboJpeg.IsAvailable;
        ColourProfile? profile = null;
        if (info.ColourTagged && info.Format != ImageFormat.JpegXl && (info.Channels >= 3 || cmyk)
            && EmbeddedProfiles.Of(encoded, info) is { } stated
            && SrgbLuma.Classify(stated) == (cmyk ? SrgbLuma.Kind.Cmyk : SrgbLuma.Kind.Rgb))
        {
            profile = stated;
        }
        return ownDecoder || cmyk || profile is not null ? new Plan(profile) : null;
    }

    /// <summary>
    /// Decodes <paramref name="decodable"/> (what <see cref="ImageInspector.Decodable"/> gives)
    /// following <paramref name="plan"/>: a new Mat of the luma, or for alpha the luma three
    /// times with the alpha when <paramref name="output"/> carries it, else flattened onto white.
    /// </summary>
    public static Mat Decode(ReadOnlySpan<byte> decodable, ImageInfo info, Plan plan, ImageFormat output)
    {
        if (info.Format == ImageFormat.Jpeg && info.Components == 4)
            return CmykJpeg.Luma(decodable, info, plan.Profile);
        if (info.Format == ImageFormat.Jpeg && plan.Profile is { } jpegProfile && JpegPlanes.Luma(decodable, info, jpegProfile) is { } planes)
            return planes;

        var profile = plan.Profile;
        bool rgbOrder = true;
        Mat colour;
        switch (info.Format)
        {
            case ImageFormat.Heic or ImageFormat.Avif:
                colour = HeifDecoder.Decode(decodable, info, out _);
                break;
            case ImageFormat.JpegXl:
                colour = JxlDecoder.Decode(decodable, info, out var icc);
                if (icc is not null && ColourProfile.FromIcc(icc) is var own && SrgbLuma.Classify(own) == SrgbLuma.Kind.Rgb)
                    profile = own;
                break;
            default:
                colour = GrayscaleConverter.Decode(decodable, info.HasAlpha ? ImreadModes.Unchanged : ImreadModes.Color, info);
                if (colour.Depth() == MatType.CV_16U)
                    colour.ConvertTo(colour, MatType.CV_8U, 1.0 / 257);
                rgbOrder = false;
                break;
        }
        using (colour)
        {
            int channels = colour.Channels();
            using var luma = profile is not null && channels >= 3
                ? SrgbLuma.Luma(colour, rgbOrder, profile)
                : Gray(colour, rgbOrder);
            using var alpha = new Mat();
            if (channels == 4)
                Cv2.ExtractChannel(colour, alpha, 3);
            return GrayscaleConverter.WithAlpha(luma, alpha, output);
        }
    }

    private static Mat Gray(Mat colour, bool rgbOrder)
    {
        var code = (colour.Channels(), rgbOrder) switch
        {
            (4, true) => ColorConversionCodes.RGBA2GRAY,
            (4, false) => ColorConversionCodes.BGRA2GRAY,
            (3, true) => ColorConversionCodes.RGB2GRAY,
            (3, false) => ColorConversionCodes.BGR2GRAY,
            _ => (ColorConversionCodes?)null,
        };
        var gray = new Mat();
        if (code is { } conversion)
            Cv2.CvtColor(colour, gray, conversion);
        else
            Cv2.ExtractChannel(colour, gray, 0);
        return gray;
    }
}
