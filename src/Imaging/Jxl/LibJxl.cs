using System.Runtime.InteropServices;

namespace Pipeline.Imaging.Jxl;

/// <summary>
/// The part of libjxl's decoder API (jxl/decode.h, codestream_header.h, types.h,
/// color_encoding.h; libjxl.so.0.7) the service calls, shaped like the C functions. Struct
/// layouts were checked against the headers with offsetof. No parallel runner is set, so a
/// decode runs on the calling thread. Loaded on the first call (see <see cref="NativeLibraries"/>).
/// </summary>
internal static unsafe partial class LibJxl
{
    private const string LibraryName = "jxl";

    static LibJxl() => NativeLibraries.Register();

    /// <summary>JxlDecoderStatus values.</summary>
    public const int Success = 0, Error = 1, NeedMoreInput = 2, NeedImageOutBuffer = 5,
        BasicInfo = 0x40, ColorEncoding = 0x100, FullImage = 0x1000;

    /// <summary>JxlDataType: JXL_TYPE_UINT8.</summary>
    public const int TypeUint8 = 2;

    /// <summary>JxlColorProfileTarget: JXL_COLOR_PROFILE_TARGET_DATA, the space of the pixels handed out.</summary>
    public const int TargetData = 1;

    /// <summary>JxlPixelFormat (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PixelFormat
    {
        /// <summary>num_channels: 3 RGB, 4 RGBA.</summary>
        public uint NumChannels;
        /// <summary>data_type (JxlDataType).</summary>
        public int DataType;
        /// <summary>endianness: 0 native.</summary>
        public int Endianness;
        /// <summary>align: row alignment in bytes, 0 for none.</summary>
        public nuint Align;
    }

    /// <summary>JxlBasicInfo (204 bytes in 0.7): the fields read here, then padding.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BasicInfoData
    {
        /// <summary>have_container.</summary>
        public int HaveContainer;
        /// <summary>xsize, ysize: as coded when the orientation is kept.</summary>
        public uint XSize, YSize;
        /// <summary>bits_per_sample, exponent_bits_per_sample.</summary>
        public uint BitsPerSample, ExponentBitsPerSample;
        /// <summary>intensity_target, min_nits.</summary>
        public float IntensityTarget, MinNits;
        /// <summary>relative_to_max_display.</summary>
        public int RelativeToMaxDisplay;
        /// <summary>linear_below.</summary>
        public float LinearBelow;
        /// <summary>uses_original_profile (offset 36): 0 for XYB-coded (lossy) images.</summary>
        public int UsesOriginalProfile;
        /// <summary>have_preview, have_animation.</summary>
        public int HavePreview, HaveAnimation;
        /// <summary>orientation (offset 48): 1–8, Exif's numbering.</summary>
        public int Orientation;
        /// <summary>num_color_channels: 1 gray, 3 colour.</summary>
        public uint NumColorChannels;
        /// <summary>num_extra_channels.</summary>
        public uint NumExtraChannels;
        /// <summary>alpha_bits (offset 60): 0 when there is no alpha.</summary>
        public uint AlphaBits;
        /// <summary>The rest of the struct, not read.</summary>
        public fixed byte Rest[140];
    }

    /// <summary>JxlColorEncoding (104 bytes): a colour space libjxl converts into by itself.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ColorEncodingData
    {
        /// <summary>color_space: 0 RGB.</summary>
        public int ColorSpace;
        /// <summary>white_point: 1 D65.</summary>
        public int WhitePoint;
        /// <summary>white_point_xy.</summary>
        public double WhitePointX, WhitePointY;
        /// <summary>primaries: 1 sRGB.</summary>
        public int Primaries;
        /// <summary>primaries_red_xy, primaries_green_xy, primaries_blue_xy.</summary>
        public double RedX, RedY, GreenX, GreenY, BlueX, BlueY;
        /// <summary>transfer_function: 13 sRGB.</summary>
        public int TransferFunction;
        /// <summary>gamma.</summary>
        public double Gamma;
        /// <summary>rendering_intent: 0 perceptual.</summary>
        public int RenderingIntent;

        /// <summary>sRGB, D65, perceptual: the space the service takes luma in.</summary>
        public static ColorEncodingData Srgb => new() { ColorSpace = 0, WhitePoint = 1, Primaries = 1, TransferFunction = 13, RenderingIntent = 0 };
    }

    /// <summary>JxlDecoder* JxlDecoderCreate(const JxlMemoryManager* memory_manager); null: malloc and free.</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderCreate")]
    public static partial IntPtr DecoderCreate(IntPtr memoryManager);

    /// <summary>void JxlDecoderDestroy(JxlDecoder*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderDestroy")]
    public static partial void DecoderDestroy(IntPtr decoder);

    /// <summary>JxlDecoderStatus JxlDecoderSubscribeEvents(JxlDecoder*, int events_wanted).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderSubscribeEvents")]
    public static partial int DecoderSubscribeEvents(IntPtr decoder, int eventsWanted);

    /// <summary>JxlDecoderStatus JxlDecoderSetKeepOrientation(JxlDecoder*, JXL_BOOL skip_reorientation): true hands the pixels out as stored.</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderSetKeepOrientation")]
    public static partial int DecoderSetKeepOrientation(IntPtr decoder, int skipReorientation);

    /// <summary>JxlDecoderStatus JxlDecoderSetInput(JxlDecoder*, const uint8_t* data, size_t size).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderSetInput")]
    public static partial int DecoderSetInput(IntPtr decoder, byte* data, nuint size);

    /// <summary>void JxlDecoderCloseInput(JxlDecoder*): no more input will follow.</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderCloseInput")]
    public static partial void DecoderCloseInput(IntPtr decoder);

    /// <summary>JxlDecoderStatus JxlDecoderProcessInput(JxlDecoder*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderProcessInput")]
    public static partial int DecoderProcessInput(IntPtr decoder);

    /// <summary>JxlDecoderStatus JxlDecoderGetBasicInfo(const JxlDecoder*, JxlBasicInfo*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderGetBasicInfo")]
    public static partial int DecoderGetBasicInfo(IntPtr decoder, BasicInfoData* info);

    /// <summary>JxlDecoderStatus JxlDecoderSetPreferredColorProfile(JxlDecoder*, const JxlColorEncoding*): honoured for XYB-coded images.</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderSetPreferredColorProfile")]
    public static partial int DecoderSetPreferredColorProfile(IntPtr decoder, ColorEncodingData* encoding);

    /// <summary>JxlDecoderStatus JxlDecoderGetColorAsEncodedProfile(const JxlDecoder*, const JxlPixelFormat* unused, JxlColorProfileTarget, JxlColorEncoding*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderGetColorAsEncodedProfile")]
    public static partial int DecoderGetColorAsEncodedProfile(IntPtr decoder, PixelFormat* unused, int target, ColorEncodingData* encoding);

    /// <summary>JxlDecoderStatus JxlDecoderGetICCProfileSize(const JxlDecoder*, const JxlPixelFormat* unused, JxlColorProfileTarget, size_t*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderGetICCProfileSize")]
    public static partial int DecoderGetIccProfileSize(IntPtr decoder, PixelFormat* unused, int target, out nuint size);

    /// <summary>JxlDecoderStatus JxlDecoderGetColorAsICCProfile(const JxlDecoder*, const JxlPixelFormat* unused, JxlColorProfileTarget, uint8_t*, size_t).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderGetColorAsICCProfile")]
    public static partial int DecoderGetColorAsIccProfile(IntPtr decoder, PixelFormat* unused, int target, byte* icc, nuint size);

    /// <summary>JxlDecoderStatus JxlDecoderImageOutBufferSize(const JxlDecoder*, const JxlPixelFormat*, size_t*).</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderImageOutBufferSize")]
    public static partial int DecoderImageOutBufferSize(IntPtr decoder, PixelFormat* format, out nuint size);

    /// <summary>JxlDecoderStatus JxlDecoderSetImageOutBuffer(JxlDecoder*, const JxlPixelFormat*, void* buffer, size_t size): the buffer must stay put until the image is out.</summary>
    [LibraryImport(LibraryName, EntryPoint = "JxlDecoderSetImageOutBuffer")]
    public static partial int DecoderSetImageOutBuffer(IntPtr decoder, PixelFormat* format, void* buffer, nuint size);
}
