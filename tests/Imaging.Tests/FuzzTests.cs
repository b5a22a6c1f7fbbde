using System.Globalization;
using Pipeline.Api;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>Seeded mutation fuzzing of the imaging core; a failure names its seed (PIPELINE_FUZZ_SEED) and variant.</summary>
public class FuzzTests
{
    private const int Variants = 10_000;

    /// <summary>The CPU time all the variants may take together: a few milliseconds each.</summary>
    private const double TotalCpuSeconds = 60;

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
        int cpuFloor = new ApiOptions().CpuSecondsPerImage;
        var failures = new List<string>();
        var overBudget = new List<string>();
        int converted = 0;
        double total = 0;

        // CPU time, not wall-clock time, so that other work on the machine does not count: each
        // variant within the CPU budget a converter process would give it, and all together
        // within a few milliseconds each. The test's thread does all of the work (the images are
        // too small for OpenCV to hand any of it to other threads).
        foreach (var mutant in HostileCorpus.Mutants(seed, Variants))
        {
            ImageInfo? inspected = null;
            double before = ThreadCpuSeconds();
            var error = Record.Exception(() =>
            {
                var info = converter.Inspect(mutant.Body);
                inspected = info;
                converter.Convert(mutant.Body, info, info.Format.DefaultOutput());
            });
            double spent = ThreadCpuSeconds() - before;
            total += spent;
            if (error is null)
                converted++;
            else if (error is not PipelineException)
                failures.Add($"{mutant}: {error.GetType().Name}: {error.Message}");
            int budget = inspected is { } info ? DecodeCost.Budget(new ConversionRequest(mutant.Body, info, info.Format, null), cpuFloor).CpuSeconds : cpuFloor;
            if (spent > budget)
                overBudget.Add($"{mutant}: {spent:0.00} s of CPU, over its budget of {budget} s");
        }

        _output.WriteLine($"PIPELINE_FUZZ_SEED={seed}: {Variants} variants, {converted} converted, {Variants - converted - failures.Count} rejected, in {total:0.0} s of CPU");
        Assert.True(failures.Count == 0, $"PIPELINE_FUZZ_SEED={seed}: {failures.Count} variants threw something else:\n{string.Join('\n', failures.Take(20))}");
        Assert.True(overBudget.Count == 0, $"PIPELINE_FUZZ_SEED={seed}: {overBudget.Count} variants took more CPU than a conversion may:\n{string.Join('\n', overBudget.Take(20))}");
        Assert.True(total < TotalCpuSeconds, $"PIPELINE_FUZZ_SEED={seed}: {Variants} variants took {total:0.0} s of CPU");
    }

    /// <summary>The CPU time (user and system) this thread has used, from /proc in 10 ms ticks.</summary>
    private static double ThreadCpuSeconds()
    {
        // "tid (comm) state ..." with utime and stime the 14th and 15th fields; comm may hold spaces.
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
