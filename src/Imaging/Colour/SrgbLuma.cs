using OpenCvSharp;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// The gray of pixels stored in another colour space: converted to sRGB by lcms with the
/// perceptual intent (for the matrix-shaper RGB profiles of photos, Display P3 or Adobe RGB, the
/// same as relative colorimetric), then BT.601 luma of the sRGB values, in OpenCV's fixed point,
/// so an image that turns out to be sRGB grays exactly as on the plain path. For RGB, a profile
/// met often enough is folded once into a table of every 8-bit colour's luma (16 MiB, about a
/// quarter of a second of lcms work), after which a pixel costs one lookup; until then, and
/// for CMYK, lcms converts the image's own pixels. Tables are kept for the
/// <see cref="MaxTables"/> profiles used last.
/// </summary>
internal static unsafe class SrgbLuma
{
    /// <summary>A table's size: one byte of luma for each of the 2^24 RGB colours.</summary>
    public const int TableBytes = 1 << 24;

    /// <summary>Tables kept at once.</summary>
    public const int MaxTables = 2;

    /// <summary>What a table is indexed by: 8-bit R, G, B, or a JPEG's Cb, Cr, Y (converted to RGB as libjpeg does).</summary>
    public enum TableIndex
    {
        /// <summary>R &lt;&lt; 16 | G &lt;&lt; 8 | B.</summary>
        Rgb,
        /// <summary>Cb &lt;&lt; 16 | Cr &lt;&lt; 8 | Y: the pixels that share a chroma sample look up one 256-byte stretch.</summary>
        CbCrY,
    }

    /// <summary>What a profile turned out to be.</summary>
    public enum Kind
    {
        /// <summary>sRGB under another name: no conversion (every probe colour within one level).</summary>
        Srgb,
        /// <summary>Another RGB space: converted.</summary>
        Rgb,
        /// <summary>A CMYK space.</summary>
        Cmyk,
        /// <summary>Unreadable, or of another colour space (gray, Lab): ignored, as viewers do.</summary>
        Unusable,
    }

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Kind> Kinds = [];
    private static readonly Dictionary<string, Lazy<byte[]?>> Tables = [];
    private static readonly LinkedList<string> RecentTables = new();
    private static readonly Dictionary<string, long> DirectPixels = [];

    /// <summary>What <paramref name="profile"/> is (examined once per profile, in a few milliseconds).</summary>
    public static Kind Classify(ColourProfile profile)
    {
        lock (Gate)
        {
            if (Kinds.TryGetValue(profile.Key, out var known))
                return known;
        }
        var kind = Examine(profile);
        lock (Gate)
            Kinds[profile.Key] = kind;
        return kind;
    }

    private static Kind Examine(ColourProfile profile)
    {
        var handle = profile.Open();
        if (handle == IntPtr.Zero)
            return Kind.Unusable;
        try
        {
            uint space = Lcms.GetColorSpace(handle);
            if (space == Lcms.SignatureCmyk)
                return Kind.Cmyk;
            if (space != Lcms.SignatureRgb)
                return Kind.Unusable;
            // 16 levels of each primary: an sRGB profile maps every one to itself within a level.
            const int Levels = 16, Count = Levels * Levels * Levels;
            var input = new byte[3 * Count];
            for (int i = 0; i < Count; i++)
            {
                input[3 * i] = (byte)(i / (Levels * Levels) * 17);
                input[3 * i + 1] = (byte)(i / Levels % Levels * 17);
                input[3 * i + 2] = (byte)(i % Levels * 17);
            }
            var output = new byte[input.Length];
            var transform = ToSrgb(handle, Lcms.TypeRgb8);
            if (transform == IntPtr.Zero)
                return Kind.Unusable;
            fixed (byte* source = input, target = output)
                Lcms.DoTransform(transform, source, target, Count);
            Lcms.DeleteTransform(transform);
            for (int i = 0; i < input.Length; i++)
            {
                if (Math.Abs(input[i] - output[i]) > 1)
                    return Kind.Rgb;
            }
            return Kind.Srgb;
        }
        finally
        {
            _ = Lcms.CloseProfile(handle);
        }
    }

    /// <summary>
    /// The luma of an 8-bit colour image (3 or 4 channels, B, G, R order or R, G, B when
    /// <paramref name="rgbOrder"/>; alpha ignored) whose values are in <paramref name="profile"/>, an RGB one.
    /// </summary>
    public static Mat Luma(Mat colour, bool rgbOrder, ColourProfile profile)
    {
        int channels = colour.Channels();
        var luma = new Mat(colour.Rows, colour.Cols, MatType.CV_8UC1);
        try
        {
            if (TableFor(profile, TableIndex.Rgb, colour.Total()) is { } table)
            {
                int first = rgbOrder ? 0 : 2, last = rgbOrder ? 2 : 0, rows = colour.Rows, columns = colour.Cols;
                fixed (byte* lookup = table)
                {
                    for (int y = 0; y < rows; y++)
                    {
                        byte* source = (byte*)colour.Ptr(y), target = (byte*)luma.Ptr(y);
                        for (int x = 0; x < columns; x++, source += channels)
                            target[x] = lookup[source[first] << 16 | source[1] << 8 | source[last]];
                    }
                }
                return luma;
            }
            uint format = (channels, rgbOrder) switch
            {
                (4, true) => Lcms.TypeRgba8,
                (4, false) => Lcms.TypeBgra8,
                (_, true) => Lcms.TypeRgb8,
                _ => Lcms.TypeBgr8,
            };
            ConvertRows(profile, format, colour.Rows, colour.Cols, colour.Ptr, luma);
            return luma;
        }
        catch
        {
            luma.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The luma of CMYK rows (<paramref name="row"/> gives each) in <paramref name="profile"/>, a
    /// CMYK one; <paramref name="inverted"/> for Adobe's convention (255 is no ink).
    /// </summary>
    public static void CmykLuma(ColourProfile profile, bool inverted, int rows, int columns, Func<int, IntPtr> row, Mat luma) =>
        ConvertRows(profile, inverted ? Lcms.TypeCmyk8Rev : Lcms.TypeCmyk8, rows, columns, row, luma);

    /// <summary>BT.601 luma of sRGB values, as OpenCV's BGR2GRAY computes it (14-bit fixed point).</summary>
    public static byte Of(int red, int green, int blue) => (byte)((red * 4899 + green * 9617 + blue * 1868 + 8192) >> 14);

    /// <summary>lcms converts each row to sRGB, then its luma is taken.</summary>
    private static void ConvertRows(ColourProfile profile, uint format, int rows, int columns, Func<int, IntPtr> row, Mat luma)
    {
        var handle = profile.Open();
        IntPtr transform = IntPtr.Zero;
        try
        {
            transform = handle == IntPtr.Zero ? IntPtr.Zero : ToSrgb(handle, format);
            if (transform == IntPtr.Zero)
                throw new InvalidOperationException("lcms could not convert from a profile it accepted before.");
            var converted = new byte[3 * columns];
            fixed (byte* rgb = converted)
            {
                for (int y = 0; y < rows; y++)
                {
                    Lcms.DoTransform(transform, (void*)row(y), rgb, (uint)columns);
                    byte* target = (byte*)luma.Ptr(y);
                    for (int x = 0; x < columns; x++)
                        target[x] = Of(rgb[3 * x], rgb[3 * x + 1], rgb[3 * x + 2]);
                }
            }
        }
        finally
        {
            if (transform != IntPtr.Zero)
                Lcms.DeleteTransform(transform);
            if (handle != IntPtr.Zero)
                _ = Lcms.CloseProfile(handle);
        }
    }

    /// <summary>
    /// The table of <paramref name="profile"/> indexed by <paramref name="index"/> when one is
    /// kept, or once converting directly would have cost as much as building one (pixels
    /// converted with this profile reach 2^24); else null, and <paramref name="pixels"/> are counted.
    /// </summary>
    public static byte[]? TableFor(ColourProfile profile, TableIndex index, long pixels)
    {
        Lazy<byte[]?>? table;
        string key = index + ":" + profile.Key;
        lock (Gate)
        {
            if (!Tables.TryGetValue(key, out table))
            {
                long converted = DirectPixels.GetValueOrDefault(key) + pixels;
                DirectPixels[key] = converted;
                if (converted < TableBytes)
                    return null;
                table = new Lazy<byte[]?>(() => Build(profile, index));
                Tables[key] = table;
            }
            RecentTables.Remove(key);
            RecentTables.AddFirst(key);
            while (RecentTables.Count > MaxTables)
            {
                Tables.Remove(RecentTables.Last!.Value);
                RecentTables.RemoveLast();
            }
        }
        return table.Value;
    }

    private static byte[]? Build(ColourProfile profile, TableIndex index)
    {
        var handle = profile.Open();
        var transform = handle == IntPtr.Zero ? IntPtr.Zero : ToSrgb(handle, Lcms.TypeRgb8);
        try
        {
            if (transform == IntPtr.Zero)
                return null;
            var table = GC.AllocateUninitializedArray<byte>(TableBytes);
            var input = new byte[3 * 65536];
            var output = new byte[input.Length];
            fixed (byte* source = input, target = output)
            {
                for (int first = 0; first < 256; first++)
                {
                    for (int i = 0; i < 65536; i++)
                    {
                        if (index == TableIndex.Rgb)
                            (source[3 * i], source[3 * i + 1], source[3 * i + 2]) = ((byte)first, (byte)(i >> 8), (byte)i);
                        else
                            (source[3 * i], source[3 * i + 1], source[3 * i + 2]) = JpegRgb(y: i & 0xFF, cb: first, cr: i >> 8);
                    }
                    Lcms.DoTransform(transform, source, target, 65536);
                    for (int i = 0; i < 65536; i++)
                        table[first << 16 | i] = Of(target[3 * i], target[3 * i + 1], target[3 * i + 2]);
                }
            }
            return table;
        }
        finally
        {
            if (transform != IntPtr.Zero)
                Lcms.DeleteTransform(transform);
            if (handle != IntPtr.Zero)
                _ = Lcms.CloseProfile(handle);
        }
    }

    /// <summary>
    /// The RGB a JPEG's Y, Cb, Cr decode to, in libjpeg's fixed point (jdcolor.c: 16 fraction
    /// bits, R = Y + 1.402 Cr', G = Y − 0.34414 Cb' − 0.71414 Cr', B = Y + 1.772 Cb', clamped).
    /// </summary>
    private static (byte R, byte G, byte B) JpegRgb(int y, int cb, int cr)
    {
        const int Half = 1 << 15;
        static int Fix(double v) => (int)(v * 65536 + 0.5);
        int cbOffset = cb - 128, crOffset = cr - 128;
        int red = y + ((Fix(1.40200) * crOffset + Half) >> 16);
        int green = y + ((-Fix(0.34414) * cbOffset - Fix(0.71414) * crOffset + Half) >> 16);
        int blue = y + ((Fix(1.77200) * cbOffset + Half) >> 16);
        return ((byte)Math.Clamp(red, 0, 255), (byte)Math.Clamp(green, 0, 255), (byte)Math.Clamp(blue, 0, 255));
    }

    /// <summary>A transform from the open <paramref name="profile"/>, pixels laid out as <paramref name="format"/>, to sRGB RGB; zero when lcms cannot make one.</summary>
    private static IntPtr ToSrgb(IntPtr profile, uint format)
    {
        var srgb = Lcms.CreateSrgbProfile();
        try
        {
            return Lcms.CreateTransform(profile, format, srgb, Lcms.TypeRgb8, Lcms.IntentPerceptual, 0);
        }
        finally
        {
            _ = Lcms.CloseProfile(srgb); // the transform keeps what it needs
        }
    }
}
