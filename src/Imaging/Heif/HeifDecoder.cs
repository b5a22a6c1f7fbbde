using OpenCvSharp;
using Pipeline.Errors;
using Pipeline.Imaging.Readers;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging.Heif;

/// <summary>
/// The primary image of a HEIC or AVIF, decoded by libheif (libde265 for HEVC, dav1d for AV1)
/// to interleaved 8-bit RGB or RGBA, with the file's crop, rotation and mirror applied by
/// libheif and grids assembled by it, on the calling thread. libheif 1.15 decodes a stream
/// whose size disagrees with the container without complaint, so what it produced is compared
/// with the inspection (size, alpha, depth) before a pixel is used; its image size limit is set
/// to the inspected coded size, so a file that declares more is refused when it is read.
/// 10- and 12-bit samples are scaled to 8 bits here, rounded (libheif's own conversion truncates).
/// </summary>
public static unsafe class HeifDecoder
{
    /// <summary>
    /// Decodes <paramref name="data"/>, inspected as <paramref name="info"/> (a HEIC or AVIF), to
    /// a new RGB or RGBA Mat the caller disposes; <paramref name="sampleBits"/> is the depth libheif
    /// decoded at. Throws <see cref="PipelineException"/> (corrupt image) when libheif fails or
    /// disagrees with the inspection.
    /// </summary>
    public static Mat Decode(ReadOnlySpan<byte> data, ImageInfo info, out int sampleBits)
    {
        var file = HeifReader.Parse(data);
        var name = info.Format.DisplayName();
        fixed (byte* bytes = data)
        {
            var context = LibHeif.ContextAlloc();
            if (context == IntPtr.Zero)
                throw new InsufficientMemoryException("heif_context_alloc failed.");
            IntPtr handle = IntPtr.Zero, image = IntPtr.Zero;
            var options = LibHeif.DecodingOptionsAlloc();
            try
            {
                LibHeif.ContextSetMaximumImageSizeLimit(context, file.CodedSide + 1); // libheif refuses a side equal to the limit
                LibHeif.ContextSetMaxDecodingThreads(context, 0);
                Check(LibHeif.ContextReadFromMemoryWithoutCopy(context, bytes, (nuint)data.Length, IntPtr.Zero), name);
                Check(LibHeif.ContextGetPrimaryImageHandle(context, out handle), name);
                int bits = LibHeif.ImageHandleGetLumaBitsPerPixel(handle);
                bool alpha = LibHeif.ImageHandleHasAlphaChannel(handle) != 0;
                var declared = (LibHeif.ImageHandleGetWidth(handle), LibHeif.ImageHandleGetHeight(handle), alpha, bits > 8);
                if (declared != (info.Width, info.Height, info.HasAlpha, info.SixteenBit))
                    throw Disagrees(name, $"libheif reads {declared}, the inspection {(info.Width, info.Height, info.HasAlpha, info.SixteenBit)}");

                options->IgnoreTransformations = 0;
                options->ConvertHdrTo8Bit = 0;
                int chroma = (bits > 8, alpha) switch
                {
                    (true, true) => LibHeif.ChromaRrggbbaaLe,
                    (true, false) => LibHeif.ChromaRrggbbLe,
                    (false, true) => LibHeif.ChromaRgba,
                    _ => LibHeif.ChromaRgb,
                };
                Check(LibHeif.DecodeImage(handle, out image, LibHeif.ColorspaceRgb, chroma, options), name);
                int width = LibHeif.ImageGetWidth(image, LibHeif.ChannelInterleaved);
                int height = LibHeif.ImageGetHeight(image, LibHeif.ChannelInterleaved);
                sampleBits = LibHeif.ImageGetBitsPerPixelRange(image, LibHeif.ChannelInterleaved);
                var plane = LibHeif.ImageGetPlaneReadonly(image, LibHeif.ChannelInterleaved, out int stride);
                if (plane == null || width != info.Width || height != info.Height || (sampleBits > 8) != info.SixteenBit)
                    throw Disagrees(name, $"it decoded to {width}x{height} at {sampleBits} bits, inspected as {info.Width}x{info.Height}");
                return Copy(plane, stride, width, height, alpha ? 4 : 3, sampleBits);
            }
            finally
            {
                if (image != IntPtr.Zero)
                    LibHeif.ImageRelease(image);
                if (handle != IntPtr.Zero)
                    LibHeif.ImageHandleRelease(handle);
                LibHeif.DecodingOptionsFree(options);
                LibHeif.ContextFree(context);
            }
        }
    }

    /// <summary>libheif's rows into a Mat of 8-bit samples: copied, or for 10 and 12 bits scaled with rounding (1023 → 255).</summary>
    private static Mat Copy(byte* plane, int stride, int width, int height, int channels, int bits)
    {
        var mat = new Mat(height, width, MatType.CV_8UC(channels));
        int samples = width * channels;
        if (bits <= 8)
        {
            for (int y = 0; y < height; y++)
                new ReadOnlySpan<byte>(plane + (long)y * stride, samples).CopyTo(new Span<byte>((byte*)mat.Ptr(y), samples));
            return mat;
        }
        int max = (1 << bits) - 1;
        var table = new byte[max + 1];
        for (int v = 0; v <= max; v++)
            table[v] = (byte)((v * 255 + max / 2) / max);
        for (int y = 0; y < height; y++)
        {
            var source = new ReadOnlySpan<ushort>(plane + (long)y * stride, samples);
            var target = new Span<byte>((byte*)mat.Ptr(y), samples);
            for (int x = 0; x < samples; x++)
                target[x] = table[Math.Min(source[x], max)];
        }
        return mat;
    }

    private static void Check(LibHeif.Error error, string name)
    {
        if (!error.Ok)
            throw new PipelineException(ErrorCode.CorruptImage, $"The {name} image could not be decoded: {error}.");
    }

    private static PipelineException Disagrees(string name, string what) =>
        new(ErrorCode.CorruptImage, $"The {name} image is corrupt: its coded image does not match its container ({what}).");
}
