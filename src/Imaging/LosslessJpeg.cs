using System.Runtime.InteropServices;
using static Pipeline.Imaging.TurboJpeg;

namespace Pipeline.Imaging;

/// <summary>
/// JPEG to grayscale JPEG without leaving the DCT domain: libjpeg-turbo's lossless transform
/// (tjTransform with TJXOPT_GRAY) writes the source's luma coefficients, as they are, into a
/// one-component JPEG, and applies the EXIF orientation by moving 8×8 blocks. Decoding the
/// result gives exactly the source's luma; nothing is decoded or re-quantised, so it is also
/// faster than decode + encode. No APPn segment is copied (TJXOPT_COPYNONE), so the result
/// carries no Exif orientation to apply a second time, no ICC profile and no comments, like
/// OpenCV's encoder output. Anything the transform cannot do exactly is left to the caller.
/// </summary>
public static unsafe class LosslessJpeg
{
    // A one-component output is transformed in single 8×8 blocks, whatever the source's subsampling.
    private const int BlockSize = 8;

    /// <summary>Whether libturbojpeg could be loaded (tried once); without it every JPEG is decoded and encoded.</summary>
    public static bool IsAvailable => TurboJpeg.IsAvailable;

    /// <summary>
    /// The grayscale JPEG, or null when this path does not apply: not an 8-bit Huffman-coded
    /// YCbCr or grayscale JPEG, an orientation that would leave partial edge blocks in place
    /// or that the header does not state clearly, libjpeg warnings (corrupt data), or
    /// libturbojpeg missing. <paramref name="info"/> is <paramref name="jpeg"/>'s inspection.
    /// </summary>
    public static ConvertedImage? TryConvert(ReadOnlySpan<byte> jpeg, ImageInfo info)
    {
        if (Upright(info) is not { } operation)
            return null;
        var handle = InitTransform();
        if (handle == IntPtr.Zero)
            throw new InvalidOperationException("tjInitTransform failed: " + ErrorMessage(IntPtr.Zero));
        try
        {
            fixed (byte* source = jpeg)
            {
                var size = new CULong((nuint)jpeg.Length);
                if (!ReadsAsInspected(handle, source, size, info) || Luma(handle, source, size, jpeg.Length, operation) is not { } bytes)
                    return null;
                return SwapsSides(operation)
                    ? new ConvertedImage(bytes, ImageFormat.Jpeg, info.Height, info.Width, Lossless: true)
                    : new ConvertedImage(bytes, ImageFormat.Jpeg, info.Width, info.Height, Lossless: true);
            }
        }
        finally
        {
            _ = Destroy(handle); // fails only for a handle that is not one
        }
    }

    /// <summary>
    /// The transform that shows the image upright, or null when this path does not apply: not a
    /// JPEG whose luma can be copied, an orientation the header does not state clearly or that
    /// would leave partial edge blocks in place, or libturbojpeg missing.
    /// </summary>
    private static TransformOperation? Upright(ImageInfo info)
    {
        if (info.Format != ImageFormat.Jpeg || !info.LumaTranscodable || info.Orientation is < 1 or > 8)
            return null;
        var operation = Operation(info.Orientation);
        return IsPerfect(operation, info.Width, info.Height) && TurboJpeg.IsAvailable ? operation : null;
    }

    /// <summary>
    /// True when libjpeg reads the header as the inspection did: the same size, and YCbCr or gray
    /// (the header's colour space follows libjpeg's rules: JFIF, Adobe transform, component ids).
    /// </summary>
    private static bool ReadsAsInspected(IntPtr handle, byte* source, CULong size, ImageInfo info) =>
        DecompressHeader3(handle, source, size, out int width, out int height, out _, out var colorSpace) == 0
        && colorSpace is ColorSpace.YCbCr or ColorSpace.Gray
        && width == info.Width && height == info.Height;

    /// <summary>
    /// The one-component JPEG of the source's luma coefficients, turned by <paramref name="operation"/>;
    /// null when libjpeg warns (corrupt data) or fails.
    /// </summary>
    private static byte[]? Luma(IntPtr handle, byte* source, CULong size, int sourceLength, TransformOperation operation)
    {
        var transform = new Transformation
        {
            Operation = operation,
            Options = TransformOptions.Gray | TransformOptions.Perfect | TransformOptions.CopyNone,
        };
        // The result is smaller than the source (a subset of its coefficients) but for a
        // baseline rewrite of a small progressive image: start with room for the source and
        // a quarter more, so TurboJPEG rarely has to grow the buffer by doubling and copying.
        int capacity = (int)Math.Min(int.MaxValue, sourceLength + sourceLength / 4L + 4096);
        byte* initial = Alloc(capacity);
        byte* output = initial;
        var outputSize = new CULong((nuint)(initial == null ? 0 : capacity));
        int status = Transform(handle, source, size, 1, &output, &outputSize, &transform, Flags.StopOnWarning | Flags.LimitScans);
        try
        {
            return status != 0 || output == null ? null : new ReadOnlySpan<byte>(output, checked((int)outputSize.Value)).ToArray();
        }
        finally
        {
            // A grown buffer replaces ours without freeing it; either may be null (tjFree ignores that).
            if (output != initial)
                Free(output);
            Free(initial);
        }
    }

    /// <summary>Whether <paramref name="operation"/> turns the image a quarter, so that its width becomes its height.</summary>
    private static bool SwapsSides(TransformOperation operation) =>
        operation is TransformOperation.Transpose or TransformOperation.Transverse or TransformOperation.Rotate90 or TransformOperation.Rotate270;

    /// <summary>The transform that displays an image stored with EXIF orientation 1–8 upright.</summary>
    private static TransformOperation Operation(int orientation) => orientation switch
    {
        2 => TransformOperation.HorizontalFlip,
        3 => TransformOperation.Rotate180,
        4 => TransformOperation.VerticalFlip,
        5 => TransformOperation.Transpose,
        6 => TransformOperation.Rotate90,
        7 => TransformOperation.Transverse,
        8 => TransformOperation.Rotate270,
        _ => TransformOperation.None,
    };

    /// <summary>
    /// Whether the transform moves every block, libjpeg's jtransform_perfect_transform for 8×8
    /// blocks: an edge with a partial block may only stay where it is (right edge: not mirrored
    /// left to right, bottom edge: not mirrored top to bottom).
    /// </summary>
    private static bool IsPerfect(TransformOperation operation, int width, int height)
    {
        bool fullColumns = width % BlockSize == 0, fullRows = height % BlockSize == 0;
        return operation switch
        {
            TransformOperation.HorizontalFlip or TransformOperation.Rotate270 => fullColumns,
            TransformOperation.VerticalFlip or TransformOperation.Rotate90 => fullRows,
            TransformOperation.Transverse or TransformOperation.Rotate180 => fullColumns && fullRows,
            _ => true,
        };
    }
}
