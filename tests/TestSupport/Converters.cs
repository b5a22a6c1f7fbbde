using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;

namespace Pipeline.Tests;

/// <summary>
/// Converter processes for the tests of the functions, as the functions use them: started from
/// the converter assembly beside the tests, shared by every test of the process (they end when
/// it does: their stdin closes).
/// </summary>
public static class Converters
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ImagingLimits, IsolatedConverter> ByLimits = new();

    /// <summary>At the default limits.</summary>
    public static IsolatedConverter Default => Create(DefaultLimits.Imaging);

    /// <summary>The converter at <paramref name="limits"/>, one per distinct limits.</summary>
    public static IsolatedConverter Create(ImagingLimits limits) =>
        ByLimits.GetOrAdd(limits, l => new(ConverterCommand.ForThisProcess(), l, maxProcesses: Math.Max(4, Environment.ProcessorCount)));
}
