using System.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Jobs;

namespace Pipeline.Worker;

/// <summary>
/// Converts one input object: the job store opens the delivery (deciding whether there is
/// work, and reading the input), the image's header is inspected, the conversion is priced in
/// decode memory and waits for that much of the budget concurrent conversions share, and the
/// store completes the job with the result or rejects it with a report.
/// </summary>
public sealed class ObjectProcessor
{
    private readonly JobStore _store;
    private readonly GrayscaleConverter _converter;
    private readonly DecodeBudget _budget;
    private readonly int? _quality; // null: none named (lossless JPEG where possible)

    /// <summary>Creates a processor storing through <paramref name="store"/>.</summary>
    public ObjectProcessor(JobStore store, GrayscaleConverter converter, WorkerOptions options)
    {
        _store = store;
        _converter = converter;
        _budget = new DecodeBudget(options.DecodeBudgetBytes);
        _quality = options.Quality;
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
            var cost = Price(info);
            conversion = await ConvertAsync(attempt.Bytes, info, cost, cancellationToken);
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
    /// What converting the image takes, priced for the path it will take: with no quality
    /// named, a JPEG keeps its own luma when the lossless path's coefficients fit; otherwise it
    /// is decoded and encoded again. An image that would need more than the whole budget is
    /// refused rather than risk the process (and every other object of the batch).
    /// </summary>
    private Cost Price(ImageInfo info)
    {
        bool mayKeepLuma = _quality is null && info.EstimatedPeakBytes <= _budget.Capacity;
        long need = mayKeepLuma ? info.EstimatedPeakBytes : info.EstimatedReencodePeakBytes;
        if (need > _budget.Capacity)
        {
            throw new PipelineException(ErrorCode.TooManyPixels,
                $"The {info.Width}x{info.Height} {info.Format.DisplayName()} image needs about {need / 1_000_000} MB to convert; "
                + $"this worker converts images needing up to {_budget.Capacity / 1_000_000} MB. A smaller (or 8-bit) version would fit.");
        }
        return new Cost(need, mayKeepLuma ? null : _quality ?? GrayscaleConverter.DefaultQuality);
    }

    /// <summary>Converts within the decode budget: waits until <paramref name="cost"/>'s bytes are free, holds them while converting.</summary>
    private async Task<Conversion> ConvertAsync(byte[] bytes, ImageInfo info, Cost cost, CancellationToken cancellationToken)
    {
        using (await _budget.AcquireAsync(cost.Bytes, cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            var image = _converter.Convert(bytes, info, info.Format, cost.Quality);
            return new Conversion(image, info.Pixels, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Decode memory a conversion holds, and the quality it encodes at (null: the JPEG's own luma).</summary>
    private readonly record struct Cost(long Bytes, int? Quality);

    /// <summary>A conversion's result, the image's pixels and the time converting took (not waiting).</summary>
    private sealed record Conversion(ConvertedImage Image, long Pixels, double Milliseconds);
}
