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
    /// <summary>At the default limits.</summary>
    public static IsolatedConverter Default { get; } = Create(DefaultLimits.Imaging);

    /// <summary>A converter of its own, at <paramref name="limits"/>.</summary>
    public static IsolatedConverter Create(ImagingLimits limits) =>
        new(ConverterCommand.ForThisProcess(), limits, maxProcesses: Math.Max(2, Environment.ProcessorCount));
}
