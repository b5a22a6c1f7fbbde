using System.Runtime.InteropServices;

namespace Pipeline.Imaging;

/// <summary>
/// The part of libjpeg-turbo's TurboJPEG C API (turbojpeg.h, libturbojpeg.so.0, API 2.x) the
/// service calls, shaped like the C functions. The library is looked for next to the
/// executable, then in /opt/lib (a Lambda layer), then where the dynamic loader looks.
/// A handle must not be used by two threads at once.
/// </summary>
internal static unsafe partial class TurboJpeg
{
    private const string LibraryName = "turbojpeg";

    static TurboJpeg() => NativeLibraries.Register();

    /// <summary>Whether the library can be loaded in this process (tried once).</summary>
    public static bool IsAvailable { get; } = NativeLibraries.IsAvailable(LibraryName);

    /// <summary>TJCS: the colour space a JPEG is stored in.</summary>
    public enum ColorSpace
    {
        /// <summary>TJCS_RGB: R, G and B stored without a colour transform.</summary>
        Rgb = 0,
        /// <summary>TJCS_YCbCr: luma and two chroma components.</summary>
        YCbCr = 1,
        /// <summary>TJCS_GRAY: luma only.</summary>
        Gray = 2,
        /// <summary>TJCS_CMYK.</summary>
        Cmyk = 3,
        /// <summary>TJCS_YCCK.</summary>
        Ycck = 4,
    }

    /// <summary>TJXOP: the lossless transform operations.</summary>
    public enum TransformOperation
    {
        /// <summary>TJXOP_NONE.</summary>
        None = 0,
        /// <summary>TJXOP_HFLIP: mirror left to right.</summary>
        HorizontalFlip = 1,
        /// <summary>TJXOP_VFLIP: mirror top to bottom.</summary>
        VerticalFlip = 2,
        /// <summary>TJXOP_TRANSPOSE: mirror along the top-left to bottom-right diagonal.</summary>
        Transpose = 3,
        /// <summary>TJXOP_TRANSVERSE: mirror along the top-right to bottom-left diagonal.</summary>
        Transverse = 4,
        /// <summary>TJXOP_ROT90: rotate 90° clockwise.</summary>
        Rotate90 = 5,
        /// <summary>TJXOP_ROT180.</summary>
        Rotate180 = 6,
        /// <summary>TJXOP_ROT270: rotate 90° counter-clockwise.</summary>
        Rotate270 = 7,
    }

    /// <summary>TJXOPT_*: options of one transform.</summary>
    [Flags]
    public enum TransformOptions
    {
        /// <summary>No option.</summary>
        None = 0,
        /// <summary>TJXOPT_PERFECT: fail rather than leave partial edge blocks untransformed.</summary>
        Perfect = 1,
        /// <summary>TJXOPT_GRAY: write the luma component only.</summary>
        Gray = 8,
        /// <summary>TJXOPT_COPYNONE: copy no APPn or COM segment (Exif, ICC, comments) to the output.</summary>
        CopyNone = 64,
    }

    /// <summary>TJFLAG_*: flags of a call.</summary>
    [Flags]
    public enum Flags
    {
        /// <summary>No flag.</summary>
        None = 0,
        /// <summary>TJFLAG_STOPONWARNING: treat libjpeg's warnings (corrupt data) as errors.</summary>
        StopOnWarning = 8192,
        /// <summary>TJFLAG_LIMITSCANS: refuse a progressive JPEG of more than 500 scans.</summary>
        LimitScans = 32768,
    }

    /// <summary>tjtransform: a region (unused here: all zero), an operation, options and no custom filter.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Transformation
    {
        /// <summary>tjregion r: x, y, w, h.</summary>
        public int X, Y, Width, Height;
        /// <summary>op.</summary>
        public TransformOperation Operation;
        /// <summary>options.</summary>
        public TransformOptions Options;
        /// <summary>data, passed to the custom filter.</summary>
        public IntPtr Data;
        /// <summary>customFilter: null.</summary>
        public IntPtr CustomFilter;
    }

    /// <summary>tjhandle tjInitTransform(void); null on failure.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjInitTransform")]
    public static partial IntPtr InitTransform();

    /// <summary>TJPF_CMYK: the pixel format of a CMYK JPEG decompressed as stored (YCCK converted to CMYK, not inverted).</summary>
    public const int PixelFormatCmyk = 11;

    /// <summary>tjhandle tjInitDecompress(void); null on failure.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjInitDecompress")]
    public static partial IntPtr InitDecompress();

    /// <summary>int tjDecompress2(handle, jpegBuf, jpegSize, dstBuf, width, pitch, height, pixelFormat, flags); 0 or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjDecompress2")]
    public static partial int Decompress2(IntPtr handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, Flags flags);

    /// <summary>
    /// int tjDecompressToYUVPlanes(handle, jpegBuf, jpegSize, dstPlanes, width, strides, height, flags); 0 or -1:
    /// the Y, Cb and Cr planes as stored (chroma at its own resolution), no colour conversion.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "tjDecompressToYUVPlanes")]
    public static partial int DecompressToYuvPlanes(IntPtr handle, byte* jpegBuf, CULong jpegSize, byte** dstPlanes, int width, int* strides, int height, Flags flags);

    /// <summary>int tjPlaneWidth(componentID, width, subsamp): a plane's width, or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjPlaneWidth")]
    public static partial int PlaneWidth(int componentId, int width, int subsamp);

    /// <summary>int tjPlaneHeight(componentID, height, subsamp): a plane's height, or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjPlaneHeight")]
    public static partial int PlaneHeight(int componentId, int height, int subsamp);

    /// <summary>int tjDecompressHeader3(handle, jpegBuf, jpegSize, *width, *height, *jpegSubsamp, *jpegColorspace); 0 or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjDecompressHeader3")]
    public static partial int DecompressHeader3(IntPtr handle, byte* jpegBuf, CULong jpegSize, out int width, out int height, out int jpegSubsamp, out ColorSpace jpegColorspace);

    /// <summary>
    /// int tjTransform(handle, jpegBuf, jpegSize, n, dstBufs, dstSizes, transforms, flags); 0 or -1.
    /// With dstBufs[i] null, TurboJPEG allocates the output, to be freed with <see cref="Free"/>.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "tjTransform")]
    public static partial int Transform(IntPtr handle, byte* jpegBuf, CULong jpegSize, int n, byte** dstBufs, CULong* dstSizes, Transformation* transforms, Flags flags);

    /// <summary>unsigned char *tjAlloc(int bytes): a buffer TurboJPEG may grow (it then allocates a new one and leaves this one to the caller).</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjAlloc")]
    public static partial byte* Alloc(int bytes);

    /// <summary>void tjFree(buffer).</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjFree")]
    public static partial void Free(byte* buffer);

    /// <summary>int tjDestroy(handle).</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjDestroy")]
    public static partial int Destroy(IntPtr handle);

    /// <summary>char *tjGetErrorStr2(handle): the last error of <paramref name="handle"/>, owned by the library.</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjGetErrorStr2")]
    public static partial IntPtr GetErrorStr2(IntPtr handle);

    /// <summary>The last error message of <paramref name="handle"/>.</summary>
    public static string ErrorMessage(IntPtr handle) => Marshal.PtrToStringUTF8(GetErrorStr2(handle)) ?? "unknown error";
}
