using System.Buffers.Binary;
using System.Runtime.InteropServices;
using OpenCvSharp;
using Pipeline.Errors;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// The gray of a CMYK (or YCCK) JPEG as a viewer shows it: libjpeg-turbo decompresses the ink
/// values as stored; a JPEG with an Adobe APP14 segment stores them inverted (255 is no ink),
/// as Photoshop writes them, and browsers read them so. With a CMYK ICC profile, lcms converts
/// the inks to sRGB; without one, the conversion is the one Chrome and Firefox apply to an
/// untagged CMYK JPEG: each of R, G, B is the paper left by its ink times that left by black
/// (R = (1 − C)(1 − K)), so no CMYK profile needs to ship.
/// </summary>
internal static unsafe class CmykJpeg
{
    /// <summary>The luma plane, as stored (the orientation is applied by the caller).</summary>
    public static Mat Luma(ReadOnlySpan<byte> jpeg, ImageInfo info, ColourProfile? profile)
    {
        bool inverted = HasAdobeSegment(jpeg);
        using var cmyk = new Mat(info.Height, info.Width, MatType.CV_8UC4);
        var handle = TurboJpeg.InitDecompress();
        if (handle == IntPtr.Zero)
            throw new InvalidOperationException("tjInitDecompress failed: " + TurboJpeg.ErrorMessage(IntPtr.Zero));
        try
        {
            fixed (byte* source = jpeg)
            {
                if (TurboJpeg.Decompress2(handle, source, new CULong((nuint)jpeg.Length), (byte*)cmyk.Data, info.Width, info.Width * 4, info.Height,
                    TurboJpeg.PixelFormatCmyk, TurboJpeg.Flags.StopOnWarning | TurboJpeg.Flags.LimitScans) != 0)
                {
                    throw new PipelineException(ErrorCode.CorruptImage, "The JPEG image could not be decoded: " + TurboJpeg.ErrorMessage(handle) + ".");
                }
            }
        }
        finally
        {
            _ = TurboJpeg.Destroy(handle);
        }

        var luma = new Mat(info.Height, info.Width, MatType.CV_8UC1);
        try
        {
            if (profile is not null)
            {
                SrgbLuma.CmykLuma(profile, inverted, info.Height, info.Width, cmyk.Ptr, luma);
                return luma;
            }
            for (int y = 0; y < info.Height; y++)
            {
                byte* inks = (byte*)cmyk.Ptr(y), target = (byte*)luma.Ptr(y);
                for (int x = 0; x < info.Width; x++, inks += 4)
                {
                    // The paper each ink leaves: the stored value when inverted, else its complement.
                    int c = inverted ? inks[0] : 255 - inks[0], m = inverted ? inks[1] : 255 - inks[1];
                    int yellow = inverted ? inks[2] : 255 - inks[2], k = inverted ? inks[3] : 255 - inks[3];
                    target[x] = SrgbLuma.Of((c * k + 127) / 255, (m * k + 127) / 255, (yellow * k + 127) / 255);
                }
            }
            return luma;
        }
        catch
        {
            luma.Dispose();
            throw;
        }
    }

    /// <summary>Whether an APP14 segment starting "Adobe" precedes the image data (libjpeg's saw_Adobe_marker).</summary>
    private static bool HasAdobeSegment(ReadOnlySpan<byte> jpeg)
    {
        int pos = 2;
        while (pos + 4 <= jpeg.Length && jpeg[pos] == 0xFF)
        {
            byte marker = jpeg[pos + 1];
            if (marker is 0xDA or 0xD9)
                return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (marker == 0xEE && length >= 7 && pos + 2 + length <= jpeg.Length && jpeg.Slice(pos + 4, 5).SequenceEqual("Adobe"u8))
                return true;
            pos += 2 + length;
        }
        return false;
    }
}
