using System.Runtime.InteropServices;
using OpenCvSharp;
using Pipeline.Errors;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// The colour-managed gray of a YCbCr JPEG from its planes: libjpeg-turbo decodes Y, Cb and Cr
/// as stored (no upsampling, no colour conversion: little more than the luma-only decode), and
/// each pixel's gray is one lookup in its profile's table indexed by Cb, Cr, Y, each pixel
/// taking the chroma sample that covers it. This keeps a Display P3 JPEG within half again
/// the time of a plain one; it applies once the profile has earned a table (see <see cref="SrgbLuma"/>).
/// </summary>
internal static unsafe class JpegPlanes
{
    // TJSAMP_444, _422, _420, _GRAY, _440, _411: chroma subsampling across and down.
    private static readonly (int Across, int Down)[] Subsampling = [(1, 1), (2, 1), (2, 2), (0, 0), (1, 2), (4, 1)];

    /// <summary>
    /// The luma of <paramref name="jpeg"/> (inspected as <paramref name="info"/>) in
    /// <paramref name="profile"/>, or null when this path does not serve it: no table for the
    /// profile yet, not a three-component YCbCr JPEG, or a subsampling TurboJPEG does not name.
    /// </summary>
    public static Mat? Luma(ReadOnlySpan<byte> jpeg, ImageInfo info, ColourProfile profile)
    {
        if (info.Components != 3 || !TurboJpeg.IsAvailable)
            return null;
        var handle = TurboJpeg.InitTransform(); // a decompressor too
        if (handle == IntPtr.Zero)
            return null;
        try
        {
            fixed (byte* source = jpeg)
            {
                var size = new CULong((nuint)jpeg.Length);
                if (TurboJpeg.DecompressHeader3(handle, source, size, out int width, out int height, out int subsamp, out var space) != 0
                    || space != TurboJpeg.ColorSpace.YCbCr || subsamp is < 0 or > 5 or 3 || width != info.Width || height != info.Height)
                {
                    return null;
                }
                if (SrgbLuma.TableFor(profile, SrgbLuma.TableIndex.CbCrY, info.Pixels) is not { } table)
                    return null;
                return Decode(handle, source, size, width, height, subsamp, table);
            }
        }
        finally
        {
            _ = TurboJpeg.Destroy(handle);
        }
    }

    private static Mat Decode(IntPtr handle, byte* source, CULong size, int width, int height, int subsamp, byte[] table)
    {
        var (across, down) = Subsampling[subsamp];
        int chromaWidth = TurboJpeg.PlaneWidth(1, width, subsamp), chromaHeight = TurboJpeg.PlaneHeight(1, height, subsamp);
        using var luma = new Mat(height, width, MatType.CV_8UC1);
        using var blue = new Mat(chromaHeight, chromaWidth, MatType.CV_8UC1);
        using var red = new Mat(chromaHeight, chromaWidth, MatType.CV_8UC1);
        var planes = stackalloc byte*[3] { (byte*)luma.Data, (byte*)blue.Data, (byte*)red.Data };
        var strides = stackalloc int[3] { (int)luma.Step(), (int)blue.Step(), (int)red.Step() };
        if (TurboJpeg.DecompressToYuvPlanes(handle, source, size, planes, width, strides, height, TurboJpeg.Flags.StopOnWarning | TurboJpeg.Flags.LimitScans) != 0)
            throw new PipelineException(ErrorCode.CorruptImage, "The JPEG image could not be decoded: " + TurboJpeg.ErrorMessage(handle) + ".");

        var gray = new Mat(height, width, MatType.CV_8UC1);
        fixed (byte* lookup = table)
        {
            // Each chroma sample covers `across` × `down` pixels: one table stretch for all of them.
            for (int top = 0, chromaRow = 0; top < height; top += down, chromaRow++)
            {
                int rows = Math.Min(down, height - top);
                byte* cbs = planes[1] + (long)chromaRow * strides[1], crs = planes[2] + (long)chromaRow * strides[2];
                byte* y0 = planes[0] + (long)top * strides[0], y1 = rows > 1 ? y0 + strides[0] : y0;
                byte* t0 = (byte*)gray.Ptr(top), t1 = rows > 1 ? (byte*)gray.Ptr(top + 1) : t0;
                for (int c = 0, x = 0; x < width; c++)
                {
                    byte* stretch = lookup + (cbs[c] << 16 | crs[c] << 8);
                    int end = Math.Min(x + across, width);
                    if (rows > 1)
                    {
                        for (; x < end; x++)
                        {
                            t0[x] = stretch[y0[x]];
                            t1[x] = stretch[y1[x]];
                        }
                    }
                    else
                    {
                        for (; x < end; x++)
                            t0[x] = stretch[y0[x]];
                    }
                }
            }
        }
        return gray;
    }
}
