using System.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Jobs;

namespace Pipeline.Worker;

/// <summary>
/// Converts one input object: the job store opens the delivery (deciding whether there is
/// work, and reading the input), the image's header is inspected, the conversion is priced in
/// memory and CPU and waits for its memory out of the budget concurrent conversions share, it
/// runs in a converter process held to that price, and the store completes the job with the
/// result or rejects it with a report.
/// </summary>
public sealed class ObjectProcessor
{
    private readonly JobStore _store;
    private readonly IsolatedConverter _converter;
    private readonly DecodeBudget _budget;
    private readonly int? _quality; // null: none named (lossless JPEG where possible)
    private readonly int _cpuSecondsPerImage;

    /// <summary>Creates a processor storing through <paramref name="store"/>, converting in <paramref name="converter"/>'s processes.</summary>
    public ObjectProcessor(JobStore store, IsolatedConverter converter, WorkerOptions options)
    {
        _store = store;
        _converter = converter;
        _budget = new DecodeBudget(options.DecodeBudgetBytes);
        _quality = options.Quality;
        _cpuSecondsPerImage = options.CpuSecondsPerImage;
    }

    /// <summary>Processes <paramref name="source"/>; throws only for failures worth retrying.</summary>
    public async Task<ProcessedObject> ProcessAsync(SourceObject source, CancellationToken cancellationToken)
    {
        var opened = await _store.OpenAsync(source, cancellationToken);
        if (opened.IsOver)
            return new ProcessedObject(opened.Outcome);
        var attempt = opened.Attempt;
        Conversion conversion;
        try
        {
            var info = _converter.Inspect(attempt.Bytes);
            var (request, budget) = Price(attempt.Bytes, info);
            conversion = await ConvertAsync(request, budget, cancellationToken);
        }
        catch (PipelineException e) when (ErrorCodes.IsPermanent(e.Code))
        {
            return new ProcessedObject(await _store.RejectAsync(attempt, e, cancellationToken), BytesIn: attempt.Bytes.Length);
        }
        var result = new StoredImage(conversion.Image.Bytes, conversion.Image.Format.MediaType());
        var delivery = await _store.CompleteAsync(attempt, result, cancellationToken);
        return new ProcessedObject(delivery, attempt.Bytes.Length, result.Bytes.Length, conversion.Pixels, conversion.Milliseconds);
    }

    /// <summary>
    /// The conversion and what it may spend, priced for the path it will take: with no quality
    /// named, a JPEG keeps its own luma, a lossless WebP is encoded losslessly and a 16-bit PNG or
    /// TIFF keeps 16 bits when that path's memory fits the budget; otherwise it is encoded again
    /// at the default quality (8 bits). An image that would need more than the whole
    /// budget is refused rather than risk the process (and every other object of the batch).
    /// </summary>
    private (ConversionRequest Request, ConversionBudget Budget) Price(byte[] bytes, ImageInfo info)
    {
        var output = info.Format.DefaultOutput();
        var keepingLuma = new ConversionRequest(bytes, info, output, _quality);
        var request = keepingLuma.KeepsExactness && DecodeCost.Budget(keepingLuma, _cpuSecondsPerImage).MemoryBytes > _budget.Capacity
            ? keepingLuma with { Quality = GrayscaleConverter.DefaultQuality }
            : keepingLuma;
        var budget = DecodeCost.Budget(request, _cpuSecondsPerImage);
        if (budget.MemoryBytes > _budget.Capacity)
        {
            throw new PipelineException(ErrorCode.TooManyPixels,
                $"The {info.Width}x{info.Height} {info.Format.DisplayName()} image needs about {budget.MemoryBytes / 1_000_000} MB to convert; "
                + $"this worker converts images needing up to {_budget.Capacity / 1_000_000} MB. A smaller (or 8-bit) version would fit.");
        }
        return (request, budget);
    }

    /// <summary>
    /// Converts in a converter process within the decode budget: waits until the conversion's
    /// memory is free, holds it while converting; the process is held to the same budget.
    /// </summary>
    private async Task<Conversion> ConvertAsync(ConversionRequest request, ConversionBudget budget, CancellationToken cancellationToken)
    {
        using (await _budget.AcquireAsync(budget.MemoryBytes, cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            var result = await _converter.ConvertAsync(request, budget, cancellationToken);
            return new Conversion(result.Image, request.Info.Pixels, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>A conversion's result, the image's pixels and the time converting took (not waiting).</summary>
    private sealed record Conversion(ConvertedImage Image, long Pixels, double Milliseconds);
}
