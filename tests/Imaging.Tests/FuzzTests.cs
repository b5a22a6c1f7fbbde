using System.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>Seeded mutation fuzzing of the imaging core; a failure names its seed (PIPELINE_FUZZ_SEED) and variant.</summary>
public class FuzzTests
{
    private const int Variants = 10_000;
    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output)
    {
        _output = output;
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
    }

    [Fact]
    public void Mutated_images_are_converted_or_rejected_with_a_pipeline_exception_never_anything_else()
    {
        int seed = HostileCorpus.FuzzSeed();
        var converter = new GrayscaleConverter(DefaultLimits.Imaging);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        int converted = 0;

        foreach (var mutant in HostileCorpus.Mutants(seed, Variants))
        {
            var error = Record.Exception(() =>
            {
                var info = converter.Inspect(mutant.Body);
                converter.Convert(mutant.Body, info, info.Format.DefaultOutput());
            });
            if (error is null)
                converted++;
            else if (error is not PipelineException)
                failures.Add($"{mutant}: {error.GetType().Name}: {error.Message}");
        }

        _output.WriteLine($"PIPELINE_FUZZ_SEED={seed}: {Variants} variants, {converted} converted, {Variants - converted - failures.Count} rejected, in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, $"PIPELINE_FUZZ_SEED={seed}: {failures.Count} variants threw something else:\n{string.Join('\n', failures.Take(20))}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"PIPELINE_FUZZ_SEED={seed}: {Variants} variants took {clock.Elapsed}");
    }
}
