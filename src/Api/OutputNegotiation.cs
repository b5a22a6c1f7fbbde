using System.Globalization;
using Pipeline.Errors;
using Pipeline.Imaging;

namespace Pipeline.Api;

/// <summary>
/// Chooses the output format: <c>?format=</c> wins; otherwise the Accept header's most
/// preferred format we produce; ties (and <c>*/*</c>, curl's default) keep the input's own
/// format where it is JPEG, PNG or WebP, JPEG for HEIC, AVIF and JPEG XL
/// (<see cref="ImageFormats.OwnOutput"/>), and PNG for BMP and TIFF.
/// </summary>
public static class OutputNegotiation
{
    /// <summary>The format to encode the result in.</summary>
    public static ImageFormat Choose(ImageFormat input, string? formatParameter, string? accept)
    {
        if (formatParameter is not null)
        {
            if (!ImageFormats.TryParseRequestable(formatParameter.Trim(), out var requested))
                throw new PipelineException(ErrorCode.InvalidRequest, "format must be one of jpeg, png or webp.");
            return requested;
        }

        var own = input.OwnOutput();
        var preferred = ImageFormats.Requestable.Contains(own) ? own : ImageFormat.Png;
        if (string.IsNullOrWhiteSpace(accept))
            return preferred;

        var best = preferred;
        double bestQuality = Quality(accept, preferred);
        foreach (var candidate in ImageFormats.Requestable)
        {
            double q = Quality(accept, candidate);
            if (q > bestQuality)
                (best, bestQuality) = (candidate, q);
        }
        if (bestQuality <= 0)
            throw new PipelineException(ErrorCode.NotAcceptable, "Accept names no format this service produces; accept image/jpeg, image/png or image/webp.");
        return best;
    }

    /// <summary>The q-value the Accept header gives <paramref name="format"/>: the most specific matching range wins.</summary>
    private static double Quality(string accept, ImageFormat format)
    {
        var mediaType = format.MediaType();
        int bestSpecificity = -1;
        double quality = 0;
        foreach (var part in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(';', StringSplitOptions.TrimEntries);
            var range = pieces[0];
            int specificity = range switch
            {
                "*/*" => 0,
                "image/*" => 1,
                _ when range.Equals(mediaType, StringComparison.OrdinalIgnoreCase) => 2,
                _ when format == ImageFormat.Jpeg && range.Equals("image/jpg", StringComparison.OrdinalIgnoreCase) => 2,
                _ => -1,
            };
            if (specificity <= bestSpecificity)
                continue;
            bestSpecificity = specificity;
            quality = 1;
            foreach (var parameter in pieces.Skip(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter.AsSpan(2), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q))
                {
                    quality = Math.Clamp(q, 0, 1);
                }
            }
        }
        return quality;
    }
}
