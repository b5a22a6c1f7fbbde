namespace Pipeline.Imaging;

/// <summary>What an image's header says about it, read without decoding any pixels.</summary>
/// <param name="Format">The format recognised from the leading bytes.</param>
/// <param name="Width">Width in pixels as stored (before any EXIF rotation).</param>
/// <param name="Height">Height in pixels as stored.</param>
/// <param name="HasAlpha">True when the header declares an alpha channel or transparency.</param>
/// <param name="Channels">Colour components stored (JPEG, PNG and TIFF; 0 when not read).</param>
/// <param name="SixteenBit">True for 16 bits per sample (PNG, TIFF).</param>
/// <param name="Progressive">True for a progressive JPEG, which keeps all coefficients in memory while decoding.</param>
public readonly record struct ImageInfo(
    ImageFormat Format, int Width, int Height, bool HasAlpha, int Channels = 0, bool SixteenBit = false, bool Progressive = false)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// The EXIF orientation (1–8) of a JPEG, from the Orientation tag in its first APP1 segment;
    /// 1 when there is none. 0 when not read (other formats) or when the Exif data is malformed
    /// or ambiguous, which leaves the orientation to the decoder.
    /// </summary>
    public int Orientation { get; init; }

    /// <summary>Samples a JPEG stores per pixel over all its components: 1 gray, 1.5 at 4:2:0, 2 at 4:2:2, 3 at 4:4:4 (0 when not read).</summary>
    public double StoredSamplesPerPixel { get; init; }

    /// <summary>
    /// True for a JPEG whose luma coefficients can be copied into a grayscale JPEG as they are:
    /// Huffman-coded baseline, extended or progressive, 8-bit, one component or three with the
    /// first at full resolution. Whether three components are YCbCr is decided when converting.
    /// </summary>
    public bool LumaTranscodable { get; init; }

    /// <summary>
    /// A generous estimate of the peak memory converting this image takes, from peaks measured
    /// with OpenCV 4.13 here: a luma-only JPEG decode needs ~2.2 bytes a pixel, a progressive
    /// one keeps two bytes per coefficient of every component (a 4:4:4 50 MP photo: ~400 MB),
    /// WebP decodes to RGB before OpenCV converts it, so do colour PNGs (to keep libpng from
    /// converting in linear light; ~4 B/px measured), images with alpha decode in colour
    /// (8-bit RGBA ~7 B/px, 16-bit ~13), and the TIFF reader needs up to ~16 B/px. A JPEG that
    /// may take the lossless path (<see cref="LosslessJpeg"/>) is counted at the larger of
    /// that and the lossless path's peak.
    /// </summary>
    public long EstimatedPeakBytes => (long)Math.Ceiling(Pixels * Math.Max(BytesPerPixel, LosslessBytesPerPixel));

    /// <summary>The estimate when the image is decoded and encoded again (an explicit quality), never the lossless path.</summary>
    public long EstimatedReencodePeakBytes => Pixels * BytesPerPixel;

    private int BytesPerPixel => Format switch
    {
        ImageFormat.Jpeg when Progressive => 2 * Math.Max(Channels, 1) + 3,
        ImageFormat.Tiff => SixteenBit ? 16 : 8,
        _ when HasAlpha => SixteenBit ? 14 : 8,
        ImageFormat.WebP => 5,
        ImageFormat.Png when SixteenBit => 7,
        ImageFormat.Png when Channels == 3 => 5, // decoded in colour, then converted: ~4 B/px measured
        _ => 3,
    };

    // The lossless path reads every component's quantised coefficients (2 bytes each) into
    // memory, needs a second copy of the luma's to rotate or flip, and grows its output buffer
    // by doubling before the result is copied out.
    private double LosslessBytesPerPixel =>
        Format == ImageFormat.Jpeg && LumaTranscodable ? 2 * StoredSamplesPerPixel + (Orientation > 1 ? 2 : 0) + 1 : 0;
}
