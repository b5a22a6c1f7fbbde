namespace Pipeline.Imaging.Isolation;

/// <summary>One image to convert in a converter process.</summary>
/// <param name="Input">The encoded image.</param>
/// <param name="Info">Its inspection (checked against the limits).</param>
/// <param name="Output">The format to encode the result in.</param>
/// <param name="Quality">JPEG/WebP quality, or null for none named (see <see cref="GrayscaleConverter.Convert(ReadOnlySpan{byte}, ImageInfo, ImageFormat, int?)"/>).</param>
public sealed record ConversionRequest(ReadOnlyMemory<byte> Input, ImageInfo Info, ImageFormat Output, int? Quality)
{
    /// <summary>True when the conversion may take the lossless JPEG path, which the memory it is given must cover.</summary>
    public bool MayKeepLuma => Quality is null && Output == ImageFormat.Jpeg;

    /// <summary>True when the result is a lossless WebP (see <see cref="GrayscaleConverter.EncodesLosslessWebP"/>), which costs more to encode.</summary>
    public bool EncodesLosslessWebP => GrayscaleConverter.EncodesLosslessWebP(Info, Output, Quality);

    /// <summary>True when the result keeps 16 bits a sample (see <see cref="GrayscaleConverter.KeepsSixteenBits"/>), which costs more memory.</summary>
    public bool KeepsSixteenBits => GrayscaleConverter.KeepsSixteenBits(Info, Output, Quality);

    /// <summary>
    /// True when, with no quality named, the result keeps what the source holds exactly (a JPEG's
    /// luma, a lossless WebP's pixels, 16 bits), at a cost that naming a quality avoids.
    /// </summary>
    public bool KeepsExactness => MayKeepLuma || EncodesLosslessWebP || KeepsSixteenBits;
}
