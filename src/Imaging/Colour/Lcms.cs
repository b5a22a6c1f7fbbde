using System.Runtime.InteropServices;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// The part of Little CMS 2 (lcms2.h, liblcms2.so.2, 2.14) the service calls to convert colours
/// from an image's profile to sRGB, shaped like the C functions. The pixel-format and intent
/// constants are lcms2.h's macros, printed by a C program that includes the header. A transform
/// may be used by one thread at a time. Loaded on the first call (see <see cref="NativeLibraries"/>).
/// </summary>
internal static unsafe partial class Lcms
{
    private const string LibraryName = "lcms2";

    static Lcms() => NativeLibraries.Register();

    /// <summary>TYPE_RGB_8, TYPE_BGR_8, TYPE_RGBA_8, TYPE_BGRA_8: 8-bit RGB in memory order R, G, B (A) or B, G, R (A).</summary>
    public const uint TypeRgb8 = 262169, TypeBgr8 = 263193, TypeRgba8 = 262297, TypeBgra8 = 279705;

    /// <summary>TYPE_CMYK_8 (0 = no ink) and TYPE_CMYK_8_REV (Adobe's inverted convention, 255 = no ink).</summary>
    public const uint TypeCmyk8 = 393249, TypeCmyk8Rev = 401441;

    /// <summary>INTENT_PERCEPTUAL: the intent used (for matrix-shaper RGB profiles it equals relative colorimetric).</summary>
    public const uint IntentPerceptual = 0;

    /// <summary>cmsColorSpaceSignature: 'RGB ' and 'CMYK'.</summary>
    public const uint SignatureRgb = 0x52474220, SignatureCmyk = 0x434D594B;

    /// <summary>cmsCIExyY: a chromaticity and its luminance.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CieXyY
    {
        /// <summary>x, y, Y.</summary>
        public double X, Y, Luminance;
    }

    /// <summary>cmsCIExyYTRIPLE: red, green and blue primaries.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CieXyYTriple
    {
        /// <summary>Red, Green, Blue.</summary>
        public CieXyY Red, Green, Blue;
    }

    /// <summary>cmsHPROFILE cmsOpenProfileFromMem(const void* MemPtr, cmsUInt32Number dwSize): null for a profile it cannot read.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsOpenProfileFromMem")]
    public static partial IntPtr OpenProfileFromMem(byte* memory, uint size);

    /// <summary>cmsHPROFILE cmsCreate_sRGBProfile(void).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsCreate_sRGBProfile")]
    public static partial IntPtr CreateSrgbProfile();

    /// <summary>cmsHPROFILE cmsCreateRGBProfile(const cmsCIExyY* WhitePoint, const cmsCIExyYTRIPLE* Primaries, cmsToneCurve* const TransferFunction[3]).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsCreateRGBProfile")]
    public static partial IntPtr CreateRgbProfile(CieXyY* whitePoint, CieXyYTriple* primaries, IntPtr* transferFunctions);

    /// <summary>cmsToneCurve* cmsBuildParametricToneCurve(cmsContext ContextID, cmsInt32Number Type, const cmsFloat64Number Params[]).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsBuildParametricToneCurve")]
    public static partial IntPtr BuildParametricToneCurve(IntPtr context, int type, double* parameters);

    /// <summary>void cmsFreeToneCurve(cmsToneCurve* Curve).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsFreeToneCurve")]
    public static partial void FreeToneCurve(IntPtr curve);

    /// <summary>cmsBool cmsCloseProfile(cmsHPROFILE hProfile).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsCloseProfile")]
    public static partial int CloseProfile(IntPtr profile);

    /// <summary>cmsColorSpaceSignature cmsGetColorSpace(cmsHPROFILE hProfile).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsGetColorSpace")]
    public static partial uint GetColorSpace(IntPtr profile);

    /// <summary>cmsHTRANSFORM cmsCreateTransform(Input, InputFormat, Output, OutputFormat, Intent, dwFlags): null when the profiles do not fit the formats.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsCreateTransform")]
    public static partial IntPtr CreateTransform(IntPtr input, uint inputFormat, IntPtr output, uint outputFormat, uint intent, uint flags);

    /// <summary>void cmsDoTransform(cmsHTRANSFORM Transform, const void* InputBuffer, void* OutputBuffer, cmsUInt32Number Size).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsDoTransform")]
    public static partial void DoTransform(IntPtr transform, void* input, void* output, uint pixels);

    /// <summary>void cmsDeleteTransform(cmsHTRANSFORM hTransform).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cmsDeleteTransform")]
    public static partial void DeleteTransform(IntPtr transform);
}
