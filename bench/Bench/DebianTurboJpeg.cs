using System.Runtime.InteropServices;

namespace Pipeline.Bench;

/// <summary>
/// Decode + encode with the libjpeg-turbo the lossless path uses (Debian's libturbojpeg.so.0,
/// 2.1.5), through TurboJPEG: decompress to 8-bit gray, compress as gray at q90, both with the
/// accurate integer DCT as OpenCV uses. The same work as the bare OpenCvSharp codec, with the
/// other library, so the lossless path can be compared with its own library's codec too.
/// </summary>
public static unsafe partial class DebianTurboJpeg
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatGray = 6;   // TJPF_GRAY
    private const int SubsamplingGray = 3;   // TJSAMP_GRAY
    private const int AccurateDct = 4096;    // TJFLAG_ACCURATEDCT

    /// <summary>The luma of <paramref name="jpeg"/> re-encoded as a grayscale JPEG at <paramref name="quality"/>.</summary>
    public static byte[] Gray(byte[] jpeg, int width, int height, int quality)
    {
        var pixels = GC.AllocateUninitializedArray<byte>(width * height);
        var decompressor = tjInitDecompress();
        var compressor = tjInitCompress();
        byte* output = null;
        try
        {
            fixed (byte* source = jpeg)
            fixed (byte* gray = pixels)
            {
                if (tjDecompress2(decompressor, source, new CULong((nuint)jpeg.Length), gray, width, 0, height, PixelFormatGray, AccurateDct) != 0)
                    throw new InvalidOperationException("tjDecompress2 failed");
                CULong size = default;
                if (tjCompress2(compressor, gray, width, 0, height, PixelFormatGray, &output, &size, SubsamplingGray, quality, AccurateDct) != 0)
                    throw new InvalidOperationException("tjCompress2 failed");
                return new ReadOnlySpan<byte>(output, checked((int)size.Value)).ToArray();
            }
        }
        finally
        {
            tjFree(output);
            _ = tjDestroy(decompressor);
            _ = tjDestroy(compressor);
        }
    }

    [LibraryImport(Library)]
    private static partial IntPtr tjInitDecompress();

    [LibraryImport(Library)]
    private static partial IntPtr tjInitCompress();

    [LibraryImport(Library)]
    private static partial int tjDecompress2(IntPtr handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    private static partial int tjCompress2(IntPtr handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat, byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    private static partial void tjFree(byte* buffer);

    [LibraryImport(Library)]
    private static partial int tjDestroy(IntPtr handle);
}
