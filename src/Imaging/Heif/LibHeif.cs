using System.Runtime.InteropServices;

namespace Pipeline.Imaging.Heif;

/// <summary>
/// The part of libheif's C API (libheif/heif.h, libheif.so.1, 1.15) the service calls to
/// decode a HEIF file's primary image, shaped like the C functions. Struct layouts were checked
/// against the header with offsetof. libheif is loaded on the first call (see
/// <see cref="NativeLibraries"/>), so only a HEIC or AVIF image loads it.
/// </summary>
internal static unsafe partial class LibHeif
{
    private const string LibraryName = "heif";

    static LibHeif() => NativeLibraries.Register();

    /// <summary>enum heif_colorspace: heif_colorspace_RGB.</summary>
    public const int ColorspaceRgb = 1;

    /// <summary>enum heif_chroma: interleaved 8-bit RGB, RGBA, and 16-bit little-endian RRGGBB, RRGGBBAA.</summary>
    public const int ChromaRgb = 10, ChromaRgba = 11, ChromaRrggbbLe = 14, ChromaRrggbbaaLe = 15;

    /// <summary>enum heif_channel: heif_channel_interleaved.</summary>
    public const int ChannelInterleaved = 10;

    /// <summary>struct heif_error (16 bytes, returned by value).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Error
    {
        /// <summary>enum heif_error_code: 0 Ok, 2 Invalid_input, 4 Unsupported_feature, 6 Memory_allocation_error, 7 Decoder_plugin_error…</summary>
        public int Code;
        /// <summary>enum heif_suberror_code, e.g. 1000 Security_limit_exceeded.</summary>
        public int Subcode;
        /// <summary>const char*, owned by libheif; may live in the context, so copy it before freeing that.</summary>
        public IntPtr Message;

        /// <summary>True for heif_error_Ok.</summary>
        public readonly bool Ok => Code == 0;

        /// <inheritdoc/>
        public override readonly string ToString() => $"{Marshal.PtrToStringUTF8(Message)} ({Code}/{Subcode})";
    }

    /// <summary>struct heif_decoding_options (56 bytes in 1.15); always from <see cref="DecodingOptionsAlloc"/>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DecodingOptions
    {
        /// <summary>version.</summary>
        public byte Version;
        /// <summary>ignore_transformations: 0 applies irot, imir and clap.</summary>
        public byte IgnoreTransformations;
        /// <summary>start_progress, on_progress, end_progress, progress_user_data: unused.</summary>
        public IntPtr StartProgress, OnProgress, EndProgress, ProgressUserData;
        /// <summary>convert_hdr_to_8bit (version 2): 0 keeps 10- and 12-bit samples.</summary>
        public byte ConvertHdrTo8Bit;
        /// <summary>strict_decoding (version 3).</summary>
        public byte StrictDecoding;
        /// <summary>decoder_id (version 4): null picks the highest-priority plugin.</summary>
        public IntPtr DecoderId;
    }

    /// <summary>struct heif_context* heif_context_alloc(void).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_alloc")]
    public static partial IntPtr ContextAlloc();

    /// <summary>void heif_context_free(struct heif_context*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_free")]
    public static partial void ContextFree(IntPtr context);

    /// <summary>void heif_context_set_maximum_image_size_limit(ctx, int maximum_width): images wider or taller are refused when the file is read.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_set_maximum_image_size_limit")]
    public static partial void ContextSetMaximumImageSizeLimit(IntPtr context, int maximumWidth);

    /// <summary>void heif_context_set_max_decoding_threads(ctx, int): 0 decodes grid tiles on the calling thread.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_set_max_decoding_threads")]
    public static partial void ContextSetMaxDecodingThreads(IntPtr context, int maxThreads);

    /// <summary>struct heif_error heif_context_read_from_memory_without_copy(ctx, const void* mem, size_t size, const struct heif_reading_options*); the memory must stay put while the context lives.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_read_from_memory_without_copy")]
    public static partial Error ContextReadFromMemoryWithoutCopy(IntPtr context, byte* memory, nuint size, IntPtr readingOptions);

    /// <summary>struct heif_error heif_context_get_primary_image_handle(ctx, struct heif_image_handle**).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_context_get_primary_image_handle")]
    public static partial Error ContextGetPrimaryImageHandle(IntPtr context, out IntPtr handle);

    /// <summary>void heif_image_handle_release(const struct heif_image_handle*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_handle_release")]
    public static partial void ImageHandleRelease(IntPtr handle);

    /// <summary>int heif_image_handle_get_width(handle): the width once the transformations are applied.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_handle_get_width")]
    public static partial int ImageHandleGetWidth(IntPtr handle);

    /// <summary>int heif_image_handle_get_height(handle).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_handle_get_height")]
    public static partial int ImageHandleGetHeight(IntPtr handle);

    /// <summary>int heif_image_handle_has_alpha_channel(handle).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_handle_has_alpha_channel")]
    public static partial int ImageHandleHasAlphaChannel(IntPtr handle);

    /// <summary>int heif_image_handle_get_luma_bits_per_pixel(handle): -1 when undefined.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_handle_get_luma_bits_per_pixel")]
    public static partial int ImageHandleGetLumaBitsPerPixel(IntPtr handle);

    /// <summary>struct heif_decoding_options* heif_decoding_options_alloc(void): the library's defaults.</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_decoding_options_alloc")]
    public static partial DecodingOptions* DecodingOptionsAlloc();

    /// <summary>void heif_decoding_options_free(struct heif_decoding_options*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_decoding_options_free")]
    public static partial void DecodingOptionsFree(DecodingOptions* options);

    /// <summary>struct heif_error heif_decode_image(handle, struct heif_image** out, enum heif_colorspace, enum heif_chroma, const struct heif_decoding_options*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_decode_image")]
    public static partial Error DecodeImage(IntPtr handle, out IntPtr image, int colorspace, int chroma, DecodingOptions* options);

    /// <summary>int heif_image_get_width(const struct heif_image*, enum heif_channel).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_get_width")]
    public static partial int ImageGetWidth(IntPtr image, int channel);

    /// <summary>int heif_image_get_height(const struct heif_image*, enum heif_channel).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_get_height")]
    public static partial int ImageGetHeight(IntPtr image, int channel);

    /// <summary>int heif_image_get_bits_per_pixel_range(const struct heif_image*, enum heif_channel): bits per sample (8, 10, 12).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_get_bits_per_pixel_range")]
    public static partial int ImageGetBitsPerPixelRange(IntPtr image, int channel);

    /// <summary>const uint8_t* heif_image_get_plane_readonly(const struct heif_image*, enum heif_channel, int* out_stride).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_get_plane_readonly")]
    public static partial byte* ImageGetPlaneReadonly(IntPtr image, int channel, out int stride);

    /// <summary>void heif_image_release(const struct heif_image*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "heif_image_release")]
    public static partial void ImageRelease(IntPtr image);
}
