using OpenCvSharp;
using Pipeline.Errors;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging.Jxl;

/// <summary>
/// A JPEG XL image decoded by libjxl, on the calling thread, to interleaved 8-bit RGB or RGBA
/// as stored (the orientation is kept for the service to apply, as for every format). An
/// XYB-coded (lossy) image is rendered by libjxl straight into sRGB; a losslessly coded one
/// comes out in its own colour space, whose ICC profile is handed back when it is not sRGB.
/// What libjxl reports before decoding (size, alpha, orientation, animation) is compared with
/// the inspection, and only the first frame is taken.
/// </summary>
public static unsafe class JxlDecoder
{
    /// <summary>
    /// Decodes <paramref name="data"/>, inspected as <paramref name="info"/>, to a new RGB or
    /// RGBA Mat the caller disposes; <paramref name="profile"/> is the ICC profile of its pixels
    /// when they are not sRGB, else null. Throws <see cref="PipelineException"/> (corrupt image)
    /// when libjxl fails, the data ends early, or libjxl disagrees with the inspection.
    /// </summary>
    public static Mat Decode(ReadOnlySpan<byte> data, ImageInfo info, out byte[]? profile)
    {
        profile = null;
        fixed (byte* bytes = data)
        {
            var decoder = LibJxl.DecoderCreate(IntPtr.Zero);
            if (decoder == IntPtr.Zero)
                throw new InsufficientMemoryException("JxlDecoderCreate failed.");
            Mat? image = null;
            try
            {
                Check(LibJxl.DecoderSubscribeEvents(decoder, LibJxl.BasicInfo | LibJxl.ColorEncoding | LibJxl.FullImage), "subscribing");
                Check(LibJxl.DecoderSetKeepOrientation(decoder, 1), "keeping the orientation");
                Check(LibJxl.DecoderSetInput(decoder, bytes, (nuint)data.Length), "reading");
                LibJxl.DecoderCloseInput(decoder);
                var format = new LibJxl.PixelFormat { NumChannels = info.HasAlpha ? 4u : 3u, DataType = LibJxl.TypeUint8 };
                LibJxl.BasicInfoData basic = default;
                while (true)
                {
                    int status = LibJxl.DecoderProcessInput(decoder);
                    switch (status)
                    {
                        case LibJxl.BasicInfo:
                            Check(LibJxl.DecoderGetBasicInfo(decoder, &basic), "reading the basic info");
                            var seen = ((int)basic.XSize, (int)basic.YSize, basic.AlphaBits != 0, basic.Orientation, basic.HaveAnimation != 0);
                            if (seen != (info.Width, info.Height, info.HasAlpha, info.Orientation, false))
                                throw Corrupt($"libjxl reads {seen}, the inspection {(info.Width, info.Height, info.HasAlpha, info.Orientation, false)}");
                            break;
                        case LibJxl.ColorEncoding:
                            if (basic.UsesOriginalProfile == 0)
                            {
                                var srgb = LibJxl.ColorEncodingData.Srgb;
                                Check(LibJxl.DecoderSetPreferredColorProfile(decoder, &srgb), "choosing sRGB");
                            }
                            profile = DataProfileUnlessSrgb(decoder);
                            break;
                        case LibJxl.NeedImageOutBuffer:
                            Check(LibJxl.DecoderImageOutBufferSize(decoder, &format, out var size), "sizing the image");
                            if (image is not null || size != (nuint)((long)info.Width * info.Height * format.NumChannels))
                                throw Corrupt($"libjxl asks for {size} bytes of pixels");
                            image = new Mat(info.Height, info.Width, MatType.CV_8UC((int)format.NumChannels));
                            Check(LibJxl.DecoderSetImageOutBuffer(decoder, &format, (void*)image.Data, size), "placing the image");
                            break;
                        case LibJxl.FullImage:
                            var done = image ?? throw Corrupt("it has no image");
                            image = null;
                            return done; // the first frame: a still image has one
                        case LibJxl.Success:
                            throw Corrupt("it ended without an image");
                        case LibJxl.NeedMoreInput:
                            throw Corrupt("it is truncated");
                        default:
                            throw Corrupt($"libjxl failed (status {status})");
                    }
                }
            }
            finally
            {
                LibJxl.DecoderDestroy(decoder);
                image?.Dispose();
            }
        }
    }

    /// <summary>The ICC profile of the pixels libjxl hands out, or null when they are sRGB (as an encoded colour space says).</summary>
    private static byte[]? DataProfileUnlessSrgb(IntPtr decoder)
    {
        LibJxl.ColorEncodingData encoding;
        if (LibJxl.DecoderGetColorAsEncodedProfile(decoder, null, LibJxl.TargetData, &encoding) == LibJxl.Success
            && encoding.ColorSpace is 0 or 1 && encoding.WhitePoint == 1 && (encoding.Primaries == 1 || encoding.ColorSpace == 1) && encoding.TransferFunction == 13)
        {
            return null;
        }
        if (LibJxl.DecoderGetIccProfileSize(decoder, null, LibJxl.TargetData, out var size) != LibJxl.Success || size == 0 || size > 64 * 1024 * 1024)
            return null;
        var icc = new byte[(int)size];
        fixed (byte* target = icc)
            Check(LibJxl.DecoderGetColorAsIccProfile(decoder, null, LibJxl.TargetData, target, size), "reading the colour profile");
        return icc;
    }

    private static void Check(int status, string what)
    {
        if (status != LibJxl.Success)
            throw Corrupt($"libjxl failed {what} (status {status})");
    }

    private static PipelineException Corrupt(string what) =>
        new(ErrorCode.CorruptImage, $"The JPEG XL image could not be decoded: {what}.");
}
