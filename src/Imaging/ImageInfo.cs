namespace Pipeline.Imaging;

/// <summary>
/// What an image's header says about it, read without decoding any pixels. The readers are
/// strict, so that what is decoded is what was inspected: a differential test checks, over
/// every corpus and hostile file, that an accepted image decodes to exactly this width, height,
/// channel count and depth.
/// </summary>
/// <param name="Format">The format recognised from the leading bytes.</param>
/// <param name="Width">Width in pixels as stored, before any orientation is applied (a HEIC's or AVIF's after its crop and rotation, which libheif applies).</param>
/// <param name="Height">Height in pixels as stored.</param>
/// <param name="HasAlpha">True when the image carries an alpha channel or transparency.</param>
/// <param name="Channels">Channels of the decoded image: 1 gray, 2 gray and alpha, 3 colour, 4 colour and alpha.</param>
/// <param name="SixteenBit">True for 16 bits per sample (PNG, TIFF).</param>
/// <param name="Progressive">True for a progressive JPEG, which keeps all coefficients in memory while decoding.</param>
public readonly record struct ImageInfo(
    ImageFormat Format, int Width, int Height, bool HasAlpha, int Channels, bool SixteenBit = false, bool Progressive = false)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// How the stored pixels must be turned to be seen upright, 1–8 as Exif numbers it (1: as
    /// stored), from the image's own metadata (Exif in JPEG, PNG and WebP; TIFF's tag). The
    /// service applies it itself on every path.
    /// </summary>
    public int Orientation { get; init; } = 1;

    /// <summary>Width once <see cref="Orientation"/> is applied.</summary>
    public int UprightWidth => Orientation >= 5 ? Height : Width;

    /// <summary>Height once <see cref="Orientation"/> is applied.</summary>
    public int UprightHeight => Orientation >= 5 ? Width : Height;

    /// <summary>Components stored per pixel (a JPEG's 1, 3 or 4; a TIFF's samples per pixel); what a decoder holds per pixel before any conversion.</summary>
    public int Components { get; init; }

    /// <summary>Samples a JPEG stores per pixel over all its components: 1 gray, 1.5 at 4:2:0, 2 at 4:2:2, 3 at 4:4:4 (0 when not read).</summary>
    public double StoredSamplesPerPixel { get; init; }

    /// <summary>
    /// True for a JPEG whose luma coefficients can be copied into a grayscale JPEG as they are:
    /// Huffman-coded baseline, extended or progressive, 8-bit, one component or three with the
    /// first at full resolution. Whether three components are YCbCr is decided when converting.
    /// </summary>
    public bool LumaTranscodable { get; init; }

    /// <summary>
    /// True when the image states its colours other than as plain sRGB might: an embedded ICC
    /// profile (JPEG APP2, PNG iCCP, WebP ICCP, TIFF tag 34675, HEIF colr), PNG cHRM with gAMA,
    /// a HEIF nclx or JPEG XL colour encoding naming other primaries or transfer, or CMYK
    /// samples. The converter then finds out what it is and, unless it is sRGB after all,
    /// converts the colours to sRGB before taking the luma (see <see cref="Colour.ColourGray"/>).
    /// </summary>
    public bool ColourTagged { get; init; }

    /// <summary>
    /// True for a WebP whose frame is lossless (VP8L): it holds exactly the pixels it was given,
    /// as a PNG does, so its result is lossless too unless a quality is named. False for every
    /// other format and for a lossy (VP8) WebP.
    /// </summary>
    public bool Lossless { get; init; }
}
