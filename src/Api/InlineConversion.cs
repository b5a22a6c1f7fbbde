using System.Diagnostics;
using System.Globalization;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Settings;

namespace Pipeline.Api;

/// <summary>
/// POST / (and POST /grayscale): the request's body is an image, the answer its grayscale
/// version, in the format <see cref="OutputNegotiation"/> picks, at <c>?quality=</c>. The body
/// is inspected here; the conversion runs in a converter process, within the image's budget
/// (<see cref="DecodeCost.Budget"/>), and is stopped with the request's deadline.
/// </summary>
public sealed class InlineConversion
{
    // Qualities tried, in order, when a result is too large to return inline.
    private static readonly int[] LowerQualities = [75, 50];

    private readonly IsolatedConverter _converter;
    private readonly ApiOptions _options;
    private readonly EmbeddedMetrics _metrics;

    /// <summary>Creates the handler over <paramref name="converter"/>, counting images in <paramref name="metrics"/>.</summary>
    public InlineConversion(IsolatedConverter converter, ApiOptions options, EmbeddedMetrics metrics)
    {
        _converter = converter;
        _options = options;
        _metrics = metrics;
    }

    /// <summary>Converts the request's body; counts it as converted, or as failed by error code.</summary>
    public async Task<ApiResponse> HandleAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        try
        {
            return await ConvertAsync(request, cancellationToken);
        }
        catch (PipelineException e)
        {
            _metrics.Emit([("Code", ErrorCodes.Name(e.Code))], new Metric("ImagesFailed", 1));
            throw;
        }
    }

    private async Task<ApiResponse> ConvertAsync(ApiRequest request, CancellationToken cancellationToken)
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
        var result = await ConvertAsync(body, info, output, quality, cancellationToken);
        double conversionMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Bytes.Length > _options.MaxInlineResultBytes)
        {
            throw new PipelineException(ErrorCode.PayloadTooLarge,
                $"The {output.DisplayName()} result is {result.Bytes.Length} bytes, more than a synchronous response carries ({_options.MaxInlineResultBytes}). "
                + await SmallerResultAsync(body, info, output, quality, cancellationToken)
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
    /// Converts in a converter process, within the image's budget: refused up front when that
    /// budget is more memory than this function gives one conversion.
    /// </summary>
    private async Task<ConvertedImage> ConvertAsync(ReadOnlyMemory<byte> body, ImageInfo info, ImageFormat output, int? quality, CancellationToken cancellationToken)
    {
        var request = new ConversionRequest(body, info, output, quality);
        var budget = DecodeCost.Budget(request, _options.CpuSecondsPerImage);
        if (budget.MemoryBytes > _options.MaxConversionBytes)
        {
            throw new PipelineException(ErrorCode.TooManyPixels,
                $"The {info.Width}x{info.Height} {info.Format.DisplayName()} image needs about {budget.MemoryBytes / 1_000_000} MB to convert; "
                + $"POST / converts images needing up to {_options.MaxConversionBytes / 1_000_000} MB. A smaller (or 8-bit) version would fit.");
        }
        return (await _converter.ConvertAsync(request, budget, cancellationToken)).Image;
    }

    /// <summary>
    /// Advice for a result too large to return inline that is known to work for this very
    /// image: the first of a smaller quality or JPEG output whose result fits, tried for real,
    /// as the request the advice names would convert it (a JPEG named with no quality keeps its
    /// own luma). Empty when none does (POST /uploads always does).
    /// </summary>
    private async Task<string> SmallerResultAsync(ReadOnlyMemory<byte> body, ImageInfo info, ImageFormat output, int? quality, CancellationToken cancellationToken)
    {
        var candidates = new List<(ImageFormat Format, int? Quality, string Parameters)>();
        if (output is ImageFormat.Jpeg or ImageFormat.WebP)
        {
            foreach (var lower in LowerQualities.Where(q => q < (quality ?? GrayscaleConverter.DefaultQuality)))
                candidates.Add((output, lower, $"?quality={lower}"));
        }
        else
        {
            candidates.Add((ImageFormat.Jpeg, quality, "?format=jpeg"));
        }
        foreach (var (format, lower, parameters) in candidates)
        {
            int size = (await ConvertAsync(body, info, format, lower, cancellationToken)).Bytes.Length;
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
