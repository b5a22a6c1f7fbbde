using System.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Jobs;

namespace Pipeline.Worker;

/// <summary>
/// Converts one input object through the job store: the store decides whether there is work
/// (repeated and late deliveries), reads the input and stores the result or report; this class
/// supplies the conversion, within the decode memory budget concurrent conversions share.
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
        long bytesIn = 0, bytesOut = 0, pixels = 0;
        double conversionMs = 0;
        var delivery = await _store.ConvertAsync(source, async (bytes, token) =>
        {
            bytesIn = bytes.Length;
            var info = _converter.Inspect(bytes);
            pixels = info.Pixels;
            // Priced for the path it takes: with no quality named, a JPEG keeps its own luma when
            // the lossless path's coefficients fit; otherwise it is decoded and encoded again.
            bool mayKeepLuma = _quality is null && DecodeCost.PeakBytes(info, keepsLuma: true) <= _budget.Capacity;
            long need = mayKeepLuma ? DecodeCost.PeakBytes(info, keepsLuma: true) : DecodeCost.PeakBytes(info, keepsLuma: false);
            int? quality = mayKeepLuma ? null : _quality ?? GrayscaleConverter.DefaultQuality;
            if (need > _budget.Capacity)
            {
                // Alone, it would still take more than the worker may hold: refuse it rather
                // than risk the process (and every other object of the batch).
                throw new PipelineException(ErrorCode.TooManyPixels,
                    $"The {info.Width}x{info.Height} {info.Format.DisplayName()} image needs about {need / 1_000_000} MB to convert; "
                    + $"this worker converts images needing up to {_budget.Capacity / 1_000_000} MB. A smaller (or 8-bit) version would fit.");
            }
            using (await _budget.AcquireAsync(need, token))
            {
                var started = Stopwatch.GetTimestamp();
                var result = _converter.Convert(bytes, info, info.Format.OwnOutput(), quality);
                conversionMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                bytesOut = result.Bytes.Length;
                return new StoredImage(result.Bytes, result.Format.MediaType());
            }
        }, cancellationToken);
        return new ProcessedObject(delivery, bytesIn, bytesOut, pixels, conversionMs);
    }

    /// <summary>Where the job of <paramref name="inputKey"/> stands (see <see cref="JobStore.ReadAsync"/>).</summary>
    public Task<JobState> ReadAsync(string inputKey, CancellationToken cancellationToken) =>
        _store.ReadAsync(inputKey, cancellationToken);

    /// <summary>Leaves a report for an input whose deliveries all failed (see <see cref="JobStore.ReportGivingUpAsync"/>).</summary>
    public Task ReportGivingUpAsync(SourceObject source, string reason, CancellationToken cancellationToken) =>
        _store.ReportGivingUpAsync(source, reason, cancellationToken);
}
