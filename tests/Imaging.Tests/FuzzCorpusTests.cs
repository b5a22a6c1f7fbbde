using Pipeline.Imaging;
using Pipeline.Imaging.Fuzz;
using Pipeline.Imaging.Isolation;
using Xunit.Abstractions;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// What fuzzing kept (scripts/fuzz.sh), replayed as the fuzz target checks it (with its repaired copy): the
/// corpus (afl-fuzz's inputs, minimised to those covering distinct paths of the inspection) and
/// every finding, minimised. A finding fails here until what it revealed is fixed.
/// </summary>
public sealed class FuzzCorpusTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string Kept = Path.Combine(Artifacts.RepoRoot, "tests", "Imaging.Tests", "Fuzz");
    private readonly DifferentialOracle _oracle = new(ConverterCommand.ForThisProcess());

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _oracle.DisposeAsync().AsTask();

    [Fact]
    public void Every_input_fuzzing_kept_satisfies_the_differential_oracle()
    {
        var files = Directory.EnumerateFiles(Kept, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var violations = new List<string>();
        var verdicts = new Dictionary<Verdict, int>();
        var agreedFormats = new HashSet<ImageFormat>();
        foreach (var file in files)
        {
            var error = Record.Exception(() =>
            {
                foreach (var body in Repaired.AndInput(File.ReadAllBytes(file)))
                {
                    var verdict = _oracle.Check(body);
                    verdicts[verdict] = verdicts.GetValueOrDefault(verdict) + 1;
                    if (verdict == Verdict.Agreed)
                        agreedFormats.Add(ImageInspector.Inspect(body).Format);
                }
            });
            if (error is not null)
                violations.Add($"{Path.GetRelativePath(Kept, file)}: {error.GetType().Name}: {error.Message}");
        }

        output.WriteLine($"{files.Count} inputs and their repaired copies: {string.Join(", ", verdicts.OrderBy(v => v.Key).Select(v => $"{v.Value} {v.Key}"))}; agreed in {string.Join(", ", agreedFormats.Order())}");
        Assert.True(violations.Count == 0, string.Join('\n', violations));
        // The corpus must keep exercising every decoder, not only the inspection's refusals.
        Assert.Subset(agreedFormats, new HashSet<ImageFormat> { ImageFormat.Jpeg, ImageFormat.Png, ImageFormat.WebP, ImageFormat.Bmp, ImageFormat.Tiff });
    }

    [Fact]
    public async Task A_header_read_smaller_than_the_decoder_reads_it_is_a_violation()
    {
        var png = TestImages.Png(64, 48);
        var misread = ImageInspector.Inspect(png) with { Width = 8, Height = 8 };
        await using var oracle = new DifferentialOracle(ConverterCommand.ForThisProcess(), _ => misread);

        var e = Assert.Throws<OracleViolationException>(() => oracle.Check(png));

        Assert.Contains("decoded as 64x48", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_and_valid_images_satisfy_the_oracle()
    {
        Assert.Equal(Verdict.Refused, _oracle.Check(HostileCorpus.Get("tiff-size-tags-repeated").Body));
        Assert.Equal(Verdict.Refused, _oracle.Check("not an image"u8.ToArray()));
        Assert.Equal(Verdict.Agreed, _oracle.Check(JpegSamples.Photo(96, 64, "progressive")));
        Assert.Equal(Verdict.Agreed, _oracle.Check(HostileCorpus.Png16Alpha(32, 24)));
    }
}
