namespace Pipeline.Imaging;

/// <summary>An encoded grayscale image.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="Format">Its format.</param>
/// <param name="Width">Width in pixels, after the orientation was applied.</param>
/// <param name="Height">Height in pixels, after the orientation was applied.</param>
/// <param name="Lossless">True when a JPEG's luma coefficients were copied as they are (<see cref="LosslessJpeg"/>), not decoded and re-encoded.</param>
public sealed record ConvertedImage(byte[] Bytes, ImageFormat Format, int Width, int Height, bool Lossless = false);
