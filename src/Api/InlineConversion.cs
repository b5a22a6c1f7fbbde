using System.Diagnostics;
using System.Globalization;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Settings;

namespace Pipeline.Api;

/// <summary>
/// POST / (and POST /grayscale): the request's body is an image, the answer its grayscale
/// version, in the format <see cref="OutputNegotiation"/> picks, at <c>?quality=</c>.
/// </summary>
public sealed class InlineConversion
{
    // Qualities tried, in order, when a result is too large to return inline.
    private static readonly int[] LowerQualities = [75, 50];

    private readonly GrayscaleConverter _converter;
    private readonly ApiOptions _options;
    private readonly EmbeddedMetrics _metrics;

    /// <summary>Creates the handler over <paramref name="converter"/>, counting images in <paramref name="metrics"/>.</summary>
    public InlineConversion(GrayscaleConverter converter, ApiOptions options, EmbeddedMetrics metrics)
    {
        _converter = converter;
        _options = options;
        _metrics = metrics;
    }

    /// <summary>Converts the request's body; counts it as converted, or as failed by error code.</summary>
    public Task<ApiResponse> HandleAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(Convert(request));
        }
        catch (PipelineException e)
        {
            _metrics.Emit([("Code", ErrorCodes.Name(e.Code))], new Metric("ImagesFailed", 1));
            throw;
        }
    }

    private ApiResponse Convert(ApiRequest request)
    {
        var body = request.Body;
        if (body.IsEmpty)
            throw new PipelineException(ErrorCode.EmptyBody, "The request has no body; POST the image's bytes, e.g. curl --data-binary @photo.jpg.");
        if (body.Length > _options.MaxInlineBytes)
        {
            throw new PipelineException(ErrorCode.PayloadTooLarge,
                $"The body is {body.Length} bytes; POST / converts up to {_options.MaxInlineBytes} bytes inline. For larger images use POST /uploads to get an upload URL.");
        }

        var info = _converter.Inspect(body.Span);
        var output = OutputNegotiation.Choose(info.Format, request.Query.GetValueOrDefault("format"), request.Header("accept"));
        var quality = Quality(request.Query.GetValueOrDefault("quality"));
        var started = Stopwatch.GetTimestamp();
        var result = _converter.Convert(body.Span, info, output, quality);
        double conversionMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Bytes.Length > _options.MaxInlineResultBytes)
        {
            throw new PipelineException(ErrorCode.PayloadTooLarge,
                $"The {output.DisplayName()} result is {result.Bytes.Length} bytes, more than a synchronous response carries ({_options.MaxInlineResultBytes}). "
                + SmallerResult(body.Span, info, output, quality)
                + "POST /uploads converts it with no such limit.");
        }

        var response = Responses.Image(result.Bytes, output.MediaType());
        response.Headers["X-Image-Width"] = result.Width.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Image-Height"] = result.Height.ToString(CultureInfo.InvariantCulture);
        // The format read, beside the one written: a HEIC, AVIF or JPEG XL comes back as a JPEG unless another was asked for.
        response.Headers["X-Image-Input-Format"] = info.Format.DisplayName();
        _metrics.Emit(
            new Metric("ImagesConverted", 1),
            new Metric("BytesIn", body.Length, "Bytes"),
            new Metric("BytesOut", result.Bytes.Length, "Bytes"),
            new Metric("MegapixelsIn", info.Pixels / 1e6, "None"),
            new Metric("ConversionMs", conversionMs, "Milliseconds"));
        return response;
    }

    /// <summary>
    /// Advice for a result too large to return inline that is known to work for this very
    /// image: the first of a smaller quality or JPEG output whose result fits, tried for real.
    /// Empty when none does (POST /uploads always does).
    /// </summary>
    private string SmallerResult(ReadOnlySpan<byte> body, ImageInfo info, ImageFormat output, int? quality)
    {
        var candidates = new List<(ImageFormat Format, int Quality, string Parameters)>();
        if (output is ImageFormat.Jpeg or ImageFormat.WebP)
        {
            foreach (var lower in LowerQualities.Where(q => q < (quality ?? GrayscaleConverter.DefaultQuality)))
                candidates.Add((output, lower, $"?quality={lower}"));
        }
        else
        {
            candidates.Add((ImageFormat.Jpeg, GrayscaleConverter.DefaultQuality, "?format=jpeg"));
        }
        foreach (var (format, lower, parameters) in candidates)
        {
            int size = _converter.Convert(body, info, format, lower).Bytes.Length;
            if (size <= _options.MaxInlineResultBytes)
                return $"With {parameters} it is {size} bytes and fits; or ";
        }
        return "";
    }

    /// <summary>
    /// The <c>?quality=</c> parameter, within the same bounds as the worker's setting; null when
    /// the client named none (the converter then keeps a JPEG's luma losslessly where it can).
    /// </summary>
    private static int? Quality(string? text)
    {
        var bounds = PipelineSettings.Quality;
        if (text is null)
            return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var quality) || quality < bounds.Min || quality > bounds.Max)
            throw new PipelineException(ErrorCode.InvalidRequest, $"quality must be a whole number from {bounds.Min} to {bounds.Max}.");
        return quality;
    }
}
