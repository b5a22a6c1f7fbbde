namespace Pipeline.Imaging.Isolation;

/// <summary>A converted image and what converting it cost.</summary>
/// <param name="Image">The grayscale image.</param>
/// <param name="PeakBytes">How far the converter process's resident memory rose above where it stood before.</param>
/// <param name="Milliseconds">How long the conversion took inside the converter process.</param>
public sealed record ConversionResult(ConvertedImage Image, long PeakBytes, double Milliseconds);
