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
    private readonly int _quality;

    /// <summary>Creates a processor storing through <paramref name="store"/>.</summary>
    public ObjectProcessor(JobStore store, GrayscaleConverter converter, WorkerOptions options)
    {
        _store = store;
        _converter = converter;
        _budget = new DecodeBudget(options.DecodeBudgetBytes);
        _quality = options.Quality;
    }

    /// <summary>Processes <paramref name="source"/>; throws only for failures worth retrying.</summary>
    public Task<JobOutcome> ProcessAsync(SourceObject source, CancellationToken cancellationToken) =>
        _store.ConvertAsync(source, ConvertAsync, cancellationToken);

    /// <summary>Where the job of <paramref name="inputKey"/> stands (see <see cref="JobStore.ReadAsync"/>).</summary>
    public Task<JobState> ReadAsync(string inputKey, CancellationToken cancellationToken) =>
        _store.ReadAsync(inputKey, cancellationToken);

    /// <summary>Leaves a report for an input whose deliveries all failed (see <see cref="JobStore.ReportGivingUpAsync"/>).</summary>
    public Task ReportGivingUpAsync(SourceObject source, string reason, CancellationToken cancellationToken) =>
        _store.ReportGivingUpAsync(source, reason, cancellationToken);

    private async Task<StoredImage> ConvertAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var info = _converter.Inspect(bytes);
        using (await _budget.AcquireAsync(info.EstimatedPeakBytes, cancellationToken))
        {
            var result = _converter.Convert(bytes, info, info.Format, _quality);
            return new StoredImage(result.Bytes, result.Format.MediaType());
        }
    }
}
