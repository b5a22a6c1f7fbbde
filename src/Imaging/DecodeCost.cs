using Pipeline.Imaging.Isolation;

namespace Pipeline.Imaging;

/// <summary>
/// What converting an image costs at most, from its header: the memory a conversion may hold at
/// its peak (measured per format and path with OpenCV 4.13 and libjpeg-turbo), which the worker
/// reserves from its decode budget and the converter process is held to, and the CPU time an
/// ordinary image of its size and format takes. A conversion that needs more than its
/// <see cref="Budget"/> is stopped, so the figures are upper bounds that must cover every
/// legitimate image (the tests convert the corpus under them).
/// </summary>
public static class DecodeCost
{
    /// <summary>
    /// The budget of <paramref name="request"/>: its peak memory and the converter's copy of its
    /// input; and twice the CPU time an ordinary image of its size and format takes, but no less
    /// than <paramref name="floorCpuSeconds"/>.
    /// </summary>
    public static ConversionBudget Budget(ConversionRequest request, int floorCpuSeconds)
    {
        long memory = PeakBytes(request) + request.Input.Length;
        double encode = request.EncodesLosslessWebP ? LosslessWebPEncodeMillisecondsPerMegapixel : EncodeMillisecondsPerMegapixel(request.Output);
        double typical = request.Info.Pixels / 1e6 * (DecodeMillisecondsPerMegapixel(request.Info.Format) + encode) / 1000;
        return new ConversionBudget(memory, Math.Max(floorCpuSeconds, (int)Math.Ceiling(2 * typical)));
    }

    // CPU time per megapixel of decoding and of encoding on one core here, rounded up from
    // 12 MP photos (the benchmark's; WebP from 16.7 MP ones: decoding 13 ms/MP lossy, 21
    // lossless; encoding 82 at q90, 378 lossless); a JPEG's lossless path costs less than its
    // decode + encode.
    private static double DecodeMillisecondsPerMegapixel(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => 10,
        ImageFormat.Bmp => 5,
        _ => 30,
    };

    private static double EncodeMillisecondsPerMegapixel(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => 8,
        ImageFormat.WebP => 90,
        ImageFormat.Png => 30,
        _ => 10,
    };
    private const double LosslessWebPEncodeMillisecondsPerMegapixel = 400;

    /// <summary>The peak bytes of <paramref name="request"/>'s conversion: its decode's, or its encoder's where that holds more.</summary>
    public static long PeakBytes(ConversionRequest request) =>
        Total(request.Info, Math.Max(PeakBytesPerPixel(request.Info, request.MayKeepLuma, request.KeepsSixteenBits), EncodeBytesPerPixel(request)));

    /// <summary>
    /// The peak bytes of decoding <paramref name="info"/> to its gray plane: the lossless JPEG
    /// path's when <paramref name="keepsLuma"/> and the image can take it (it may still fall back
    /// to decode + encode, so the larger of the two), with 16-bit planes when
    /// <paramref name="keepsSixteenBits"/>. An encoder that holds more is priced by <see cref="PeakBytes(ConversionRequest)"/>.
    /// </summary>
    public static long PeakBytes(ImageInfo info, bool keepsLuma, bool keepsSixteenBits = false) =>
        Total(info, PeakBytesPerPixel(info, keepsLuma, keepsSixteenBits));

    // What bytesPerPixel over the image comes to, with what any conversion of it holds besides.
    private static long Total(ImageInfo info, double bytesPerPixel) =>
        (long)Math.Ceiling(info.Pixels * bytesPerPixel) + FixedBytes(info) + ColourBytes(info);

    // What any conversion holds whatever its size: a decoder's state (zlib's window, libtiff's,
    // libjpeg's and libwebp's tables) and the allocator growing its heap by a step (glibc's
    // 128 KiB top pad); dav1d, libde265 and libjxl keep contexts of their own. Found by fuzzing:
    // a 24x8 TIFF's peak rose 132 KiB over a 2.6 KB estimate, a 24x16 WebP's 1.04 MiB, a 24x16
    // AVIF's 1.7 MiB.
    private static long FixedBytes(ImageInfo info) =>
        info.Format is ImageFormat.Heic or ImageFormat.Avif or ImageFormat.JpegXl ? 8L << 20 : 2L << 20;

    private static double PeakBytesPerPixel(ImageInfo info, bool keepsLuma, bool keepsSixteenBits)
    {
        double perPixel = DecodeBytesPerPixel(info) + (keepsSixteenBits ? SixteenBitBytesPerPixel(info) : 0);
        return keepsLuma ? Math.Max(perPixel, LosslessBytesPerPixel(info)) : perPixel;
    }

    // Keeping 16 bits: an opaque colour PNG decodes to 16-bit BGR (6 B/px, against 8-bit BGR's 3)
    // and its luma plane takes 2 bytes a pixel; gray and alpha images and TIFFs (whose estimate
    // already covers 16-bit RGBA) hold their planes at 16 bits already.
    private static double SixteenBitBytesPerPixel(ImageInfo info) => info.Format == ImageFormat.Png && !info.HasAlpha && info.Channels == 3 ? 3 : 1;

    // The WebP encoders hold more than the decode: OpenCV widens the gray plane to BGR(A) for
    // libwebp, whose lossy encoder converts that to YUV(A) 4:2:0 and allocates 8.3 B/px of data
    // over the gray plane at 2–16.7 MP (what the converter's data limit counts; 4.8 of them
    // resident), and whose lossless one copies it to ARGB and keeps hash chains and backward
    // references (20 B/px of data at 2 MP, 29.4 at 16.7 MP; 24–26.5 resident). The other
    // encoders' buffers are rows or a fraction of the gray plane, within the decode's estimate.
    private static double EncodeBytesPerPixel(ConversionRequest request)
    {
        if (request.Output != ImageFormat.WebP)
            return 0;
        var info = request.Info;
        double encoder = request.EncodesLosslessWebP ? (info.HasAlpha ? 34 : 32) : (info.HasAlpha ? 13 : 10);
        return encoder + (info.Orientation > 1 ? 1 : 0);
    }

    // HEIC and AVIF: libheif holds the decoded planes (twice the samples at 10 and 12 bits; dav1d
    // keeps frame buffers of its own) and its RGB(A) output while the converter copies that into
    // 8 bits; JPEG XL: libjxl's floating-point planes and the 8-bit output. Measured growth of the
    // peak at 6 MP (PhotoMemoryTests, highest of four runs): HEIC 8.8, 10-bit 24.1, AVIF 13.9,
    // 10-bit 26.5, JPEG XL 5.7, P3 JPEG 5.4, CMYK JPEG 5.2 bytes a pixel.
    // A colour-managed image of another format is decoded in colour (CMYK: four bytes a pixel)
    // before its luma is taken.
    private static double PhotoBytesPerPixel(ImageInfo info) => info.Format switch
    {
        ImageFormat.Heic or ImageFormat.Avif => (info.SixteenBit ? 30 : 16) + (info.HasAlpha ? 4 : 0),
        ImageFormat.JpegXl => 10 + (info.HasAlpha ? 2 : 0),
        ImageFormat.Jpeg when info.Components == 4 => 6,
        _ => (info.HasAlpha ? 5 : 4) * (info.SixteenBit ? 2 : 1) + 1,
    } + (info.Orientation > 1 ? 1 : 0);

    // A colour-managed image may build its profile's table of every colour's luma (16 MiB).
    private static long ColourBytes(ImageInfo info) => info.ColourTagged ? Colour.SrgbLuma.TableBytes : 0;

    // HEIC, AVIF, JPEG XL and colour-managed images take the colour path (at least what the plain one would).
    private static double DecodeBytesPerPixel(ImageInfo info) => info.ColourTagged || info.Format is ImageFormat.Heic or ImageFormat.Avif or ImageFormat.JpegXl
        ? Math.Max(PhotoBytesPerPixel(info), PlainBytesPerPixel(info))
        : PlainBytesPerPixel(info);

    // A luma-only JPEG decode needs ~2.2 bytes a pixel; a progressive one keeps two bytes per
    // coefficient of every component; WebP decodes to RGB before OpenCV converts it (a lossless
    // one through libwebp's ARGB rows: 7 B/px measured), so do colour PNGs; images with alpha decode in colour; the TIFF reader needs up to ~16 B/px. An applied
    // orientation holds a second gray plane for a moment.
    private static double PlainBytesPerPixel(ImageInfo info) => (info.Format switch
    {
        ImageFormat.Jpeg when info.Progressive => 2 * Math.Max(info.Components, 1) + 3,
        ImageFormat.Tiff => info.SixteenBit ? 16 : 8,
        ImageFormat.WebP when info.Lossless => info.HasAlpha ? 10 : 8,
        _ when info.HasAlpha => info.SixteenBit ? 14 : 8,
        ImageFormat.WebP => 5,
        ImageFormat.Png when info.SixteenBit => 7,
        ImageFormat.Png when info.Channels == 3 => 5,
        _ => 3,
    }) + (info.Orientation > 1 ? 1 : 0);

    // The lossless path reads every component's quantised coefficients (2 bytes each) into
    // memory, needs a second copy of the luma's to rotate or flip, and grows its output buffer
    // by doubling before the result is copied out.
    private static double LosslessBytesPerPixel(ImageInfo info) =>
        info.Format == ImageFormat.Jpeg && info.LumaTranscodable ? 2 * info.StoredSamplesPerPixel + (info.Orientation > 1 ? 2 : 0) + 1 : 0;
}
