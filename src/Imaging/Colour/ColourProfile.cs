using System.Globalization;
using System.Security.Cryptography;

namespace Pipeline.Imaging.Colour;

/// <summary>
/// The colour space an image's stored values are in, when the image states one: the ICC
/// profile it embeds, or primaries and a transfer curve it names (a HEIF nclx box, a PNG's cHRM
/// with gAMA), which lcms makes into a profile. <see cref="Key"/> names it for the caches: the
/// same profile, on every photo of a phone, is examined and tabulated once.
/// </summary>
internal sealed unsafe class ColourProfile
{
    // H.273 colour primaries (x, y of white, red, green, blue) for the code points converted.
    private static readonly Dictionary<int, double[]> NclxPrimaries = new()
    {
        [1] = [0.3127, 0.3290, 0.640, 0.330, 0.300, 0.600, 0.150, 0.060],  // BT.709, sRGB
        [9] = [0.3127, 0.3290, 0.708, 0.292, 0.170, 0.797, 0.131, 0.046],  // BT.2020
        [11] = [0.314, 0.351, 0.680, 0.320, 0.265, 0.690, 0.150, 0.060],   // DCI-P3 (SMPTE RP 431-2)
        [12] = [0.3127, 0.3290, 0.680, 0.320, 0.265, 0.690, 0.150, 0.060], // Display P3 (SMPTE EG 432-1)
    };

    // lcms parametric curves: type 4 is Y = (aX + b)^g for X >= d, else cX; type 1 is Y = X^g.
    private static readonly double[] SrgbCurve = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045];
    private static readonly double[] Bt709Curve = [1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081];

    private readonly byte[]? _icc;
    private readonly double[]? _primaries;
    private readonly double[]? _curve;

    private ColourProfile(string key, byte[]? icc, double[]? primaries, double[]? curve)
    {
        Key = key;
        _icc = icc;
        _primaries = primaries;
        _curve = curve;
    }

    /// <summary>What the profile is known by in the caches: a hash of the ICC bytes, or the stated primaries and curve.</summary>
    public string Key { get; }

    /// <summary>An embedded ICC profile.</summary>
    public static ColourProfile FromIcc(byte[] icc) => new("icc:" + Convert.ToHexString(SHA256.HashData(icc)), icc, null, null);

    /// <summary>
    /// A HEIF nclx box's primaries and transfer (ITU-T H.273 code points), or null when they are
    /// sRGB's (or unspecified) or not ones the service converts: BT.709, BT.2020, DCI-P3 and
    /// Display P3 primaries with the sRGB, BT.709-family, linear or pure-gamma (2.2, 2.8) transfers.
    /// PQ and HLG (HDR) images keep their stored values.
    /// </summary>
    public static ColourProfile? FromNclx(int primaries, int transfer)
    {
        if (primaries is 1 or 2 || !NclxPrimaries.TryGetValue(primaries, out var xy))
            return null;
        double[]? curve = transfer switch
        {
            13 or 2 => SrgbCurve,
            1 or 6 or 14 or 15 => Bt709Curve,
            8 => [1.0],
            4 => [2.2],
            5 => [2.8],
            _ => null,
        };
        return curve is null ? null : Synthetic(xy, curve);
    }

    /// <summary>
    /// A PNG's cHRM (white, red, green, blue chromaticities times 100,000) with its gAMA (the
    /// encoding exponent times 100,000), as browsers honour them when a PNG has neither an ICC
    /// profile nor an sRGB chunk; null when they are unusable.
    /// </summary>
    public static ColourProfile? FromChromaticities(ReadOnlySpan<uint> chromaticities, uint gamma)
    {
        if (chromaticities.Length != 8 || gamma == 0)
            return null;
        var xy = new double[8];
        for (int i = 0; i < 8; i++)
        {
            xy[i] = chromaticities[i] / 100000.0;
            if (xy[i] <= 0 || xy[i] >= 1)
                return null;
        }
        return Synthetic(xy, [100000.0 / gamma]);
    }

    private static ColourProfile Synthetic(double[] xy, double[] curve) =>
        new("xy:" + string.Join(',', xy.Concat(curve).Select(v => v.ToString("R", CultureInfo.InvariantCulture))), null, xy, curve);

    /// <summary>Opens the profile in lcms (the caller closes it), or returns zero when lcms cannot read it.</summary>
    public IntPtr Open()
    {
        if (_icc is { } icc)
        {
            fixed (byte* bytes = icc)
                return Lcms.OpenProfileFromMem(bytes, (uint)icc.Length);
        }
        var xy = _primaries!;
        var white = new Lcms.CieXyY { X = xy[0], Y = xy[1], Luminance = 1 };
        var primaries = new Lcms.CieXyYTriple
        {
            Red = new Lcms.CieXyY { X = xy[2], Y = xy[3], Luminance = 1 },
            Green = new Lcms.CieXyY { X = xy[4], Y = xy[5], Luminance = 1 },
            Blue = new Lcms.CieXyY { X = xy[6], Y = xy[7], Luminance = 1 },
        };
        fixed (double* parameters = _curve)
        {
            var curve = Lcms.BuildParametricToneCurve(IntPtr.Zero, _curve!.Length == 1 ? 1 : 4, parameters);
            if (curve == IntPtr.Zero)
                return IntPtr.Zero;
            try
            {
                var curves = stackalloc IntPtr[3] { curve, curve, curve };
                return Lcms.CreateRgbProfile(&white, &primaries, curves);
            }
            finally
            {
                Lcms.FreeToneCurve(curve);
            }
        }
    }
}
