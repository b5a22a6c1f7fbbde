using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Pipeline.Bench;

/// <summary>
/// The decoders' own APIs at their plainest, for the photo formats' baseline: libheif (primary
/// image to interleaved 8-bit RGB, the library's own HDR conversion) and libjxl (RGB, 8-bit, no
/// parallel runner), each then OpenCV's RGB2GRAY and JPEG q90: the work the handler does, without
/// its inspection, checks, event and response.
/// </summary>
public static unsafe partial class LibraryDecoders
{
    private const string Heif = "libheif.so.1", Jxl = "libjxl.so.0.7";

    /// <summary>libheif decode + gray + JPEG encode.</summary>
    public static byte[] HeifToJpeg(byte[] file)
    {
        var context = heif_context_alloc();
        IntPtr handle = 0, image = 0;
        var options = heif_decoding_options_alloc();
        try
        {
            fixed (byte* data = file)
            {
                Check(heif_context_read_from_memory_without_copy(context, data, (nuint)file.Length, 0));
                Check(heif_context_get_primary_image_handle(context, out handle));
                options[40] = 1; // convert_hdr_to_8bit
                Check(heif_decode_image(handle, out image, 1, 10, options)); // RGB, interleaved RGB
                int width = heif_image_get_width(image, 10), height = heif_image_get_height(image, 10);
                var plane = heif_image_get_plane_readonly(image, 10, out int stride);
                using var rgb = Mat.FromPixelData(height, width, MatType.CV_8UC3, (IntPtr)plane, stride);
                return Encode(rgb);
            }
        }
        finally
        {
            if (image != 0)
                heif_image_release(image);
            if (handle != 0)
                heif_image_handle_release(handle);
            heif_decoding_options_free(options);
            heif_context_free(context);
        }
    }

    /// <summary>libjxl decode + gray + JPEG encode.</summary>
    public static byte[] JxlToJpeg(byte[] file)
    {
        var decoder = JxlDecoderCreate(0);
        try
        {
            fixed (byte* data = file)
            {
                Ok(JxlDecoderSubscribeEvents(decoder, 0x40 | 0x1000)); // basic info, full image
                Ok(JxlDecoderSetInput(decoder, data, (nuint)file.Length));
                JxlDecoderCloseInput(decoder);
                var info = stackalloc byte[204];
                var format = stackalloc byte[24];
                *(uint*)format = 3;      // num_channels
                *(int*)(format + 4) = 2; // JXL_TYPE_UINT8
                Mat? rgb = null;
                try
                {
                    while (true)
                    {
                        switch (JxlDecoderProcessInput(decoder))
                        {
                            case 0x40:
                                Ok(JxlDecoderGetBasicInfo(decoder, info));
                                rgb = new Mat((int)*(uint*)(info + 8), (int)*(uint*)(info + 4), MatType.CV_8UC3);
                                break;
                            case 5:
                                Ok(JxlDecoderImageOutBufferSize(decoder, format, out var size));
                                Ok(JxlDecoderSetImageOutBuffer(decoder, format, (void*)rgb!.Data, size));
                                break;
                            case 0x1000:
                                return Encode(rgb!);
                            case var status:
                                throw new InvalidOperationException($"libjxl status {status}");
                        }
                    }
                }
                finally
                {
                    rgb?.Dispose();
                }
            }
        }
        finally
        {
            JxlDecoderDestroy(decoder);
        }
    }

    private static byte[] Encode(Mat rgb)
    {
        using var gray = rgb.CvtColor(ColorConversionCodes.RGB2GRAY);
        Cv2.ImEncode(".jpg", gray, out var jpeg, [(int)ImwriteFlags.JpegQuality, 90]);
        return jpeg;
    }

    private static void Ok(int status)
    {
        if (status != 0)
            throw new InvalidOperationException($"libjxl status {status}");
    }

    private static void Check(HeifError error)
    {
        if (error.Code != 0)
            throw new InvalidOperationException($"libheif error {error.Code}/{error.Subcode}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct HeifError
    {
        public int Code, Subcode;
        public IntPtr Message;
    }

    [LibraryImport(Heif)] private static partial IntPtr heif_context_alloc();
    [LibraryImport(Heif)] private static partial void heif_context_free(IntPtr context);
    [LibraryImport(Heif)] private static partial HeifError heif_context_read_from_memory_without_copy(IntPtr context, byte* data, nuint size, IntPtr options);
    [LibraryImport(Heif)] private static partial HeifError heif_context_get_primary_image_handle(IntPtr context, out IntPtr handle);
    [LibraryImport(Heif)] private static partial byte* heif_decoding_options_alloc();
    [LibraryImport(Heif)] private static partial void heif_decoding_options_free(byte* options);
    [LibraryImport(Heif)] private static partial HeifError heif_decode_image(IntPtr handle, out IntPtr image, int colorspace, int chroma, byte* options);
    [LibraryImport(Heif)] private static partial int heif_image_get_width(IntPtr image, int channel);
    [LibraryImport(Heif)] private static partial int heif_image_get_height(IntPtr image, int channel);
    [LibraryImport(Heif)] private static partial byte* heif_image_get_plane_readonly(IntPtr image, int channel, out int stride);
    [LibraryImport(Heif)] private static partial void heif_image_release(IntPtr image);
    [LibraryImport(Heif)] private static partial void heif_image_handle_release(IntPtr handle);
    [LibraryImport(Jxl)] private static partial IntPtr JxlDecoderCreate(IntPtr memoryManager);
    [LibraryImport(Jxl)] private static partial void JxlDecoderDestroy(IntPtr decoder);
    [LibraryImport(Jxl)] private static partial int JxlDecoderSubscribeEvents(IntPtr decoder, int events);
    [LibraryImport(Jxl)] private static partial int JxlDecoderSetInput(IntPtr decoder, byte* data, nuint size);
    [LibraryImport(Jxl)] private static partial void JxlDecoderCloseInput(IntPtr decoder);
    [LibraryImport(Jxl)] private static partial int JxlDecoderProcessInput(IntPtr decoder);
    [LibraryImport(Jxl)] private static partial int JxlDecoderGetBasicInfo(IntPtr decoder, byte* info);
    [LibraryImport(Jxl)] private static partial int JxlDecoderImageOutBufferSize(IntPtr decoder, byte* format, out nuint size);
    [LibraryImport(Jxl)] private static partial int JxlDecoderSetImageOutBuffer(IntPtr decoder, byte* format, void* buffer, nuint size);
}
