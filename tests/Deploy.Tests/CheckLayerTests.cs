using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

[Collection(DeployCollection.Name)]
public sealed partial class CheckLayerTests(LayerFixture layer, ITestOutputHelper log)
{
    [Fact]
    public void The_check_passes_and_prints_the_glibc_each_file_needs()
    {
        var result = CheckLayer();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("check-layer: OK", result.Stdout, StringComparison.Ordinal);
        foreach (var file in LayerFixture.DeployedElfFiles())
        {
            var line = Assert.Single(result.Stdout.Split('\n'), l => l.TrimStart().StartsWith(Path.GetRelativePath(Artifacts.RepoRoot, file) + " ", StringComparison.Ordinal));
            Assert.Contains($" GLIBC_{Elf.MaxGlibc(file)}", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_check_prints_sizes_and_function_plus_layer_stays_under_250_MiB()
    {
        var output = CheckLayer().Stdout;

        var layerBytes = long.Parse(LayerSize().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(DirectoryBytes(LayerFixture.LayerDirectory), layerBytes);
        var api = ApiSize().Match(output);
        Assert.True(api.Success, output);
        var functionBytes = long.Parse(api.Groups[1].Value, CultureInfo.InvariantCulture);
        var total = long.Parse(api.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.Equal(DirectoryBytes(Path.GetDirectoryName(layer.ApiBootstrap)!), functionBytes);
        Assert.Equal(functionBytes + layerBytes, total);
        Assert.True(total < LayerFixture.LambdaUnzippedLimit, $"{total} bytes");
        log.WriteLine($"layer {layerBytes:N0} + api {functionBytes:N0} = {total:N0} bytes of {LayerFixture.LambdaUnzippedLimit:N0}");
    }

    [Fact]
    public void The_check_rejects_the_library_as_nuget_ships_it()
    {
        using var broken = new ScratchLayer();
        broken.Link(LayerFixture.UnpatchedOpenCvLibrary);
        broken.Link(Path.Combine(LayerFixture.LibDirectory, "libatomic.so.1"));

        var failure = CheckLayerFailure(broken.Directory);

        Assert.Contains("check-layer: FAILED", failure, StringComparison.Ordinal);
        Assert.Contains("libOpenCvSharpExtern.so needs libgtk-3.so.0, which is neither in", failure, StringComparison.Ordinal);
        Assert.Contains("libOpenCvSharpExtern.so needs libX11.so.6, which is neither in", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_check_rejects_a_library_that_needs_a_newer_glibc_than_al2023s()
    {
        var debianLibstdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        var glibc = Elf.MaxGlibc(debianLibstdcxx);
        Assert.True(glibc > LayerFixture.Al2023Glibc, $"Debian's libstdc++ needs only GLIBC_{glibc}");
        using var broken = new ScratchLayer();
        broken.Link(debianLibstdcxx);

        var failure = CheckLayerFailure(broken.Directory);

        Assert.Contains($"libstdc++.so.6 needs GLIBC_{glibc}; provided.al2023 has glibc 2.34", failure, StringComparison.Ordinal);
    }

    private static ToolResult CheckLayer()
    {
        ToolResult? result = null;
        Artifacts.WithLock(() => result = Tools.Run("scripts/check-layer.sh"));
        return result!;
    }

    private static string CheckLayerFailure(string layerDirectory)
    {
        Exception? failure = null;
        Artifacts.WithLock(() => failure = Record.Exception(() => Artifacts.RunScript("scripts/check-layer.sh", layerDirectory)));
        return Assert.IsType<InvalidOperationException>(failure).Message;
    }

    private static long DirectoryBytes(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    [GeneratedRegex(@"^  layer: (\d+) bytes", RegexOptions.Multiline)]
    private static partial Regex LayerSize();

    [GeneratedRegex(@"^  api: function (\d+) bytes .* \+ layer = (\d+) bytes", RegexOptions.Multiline)]
    private static partial Regex ApiSize();
}

/// <summary>A throwaway layer folder whose lib/ holds symbolic links to the given files.</summary>
internal sealed class ScratchLayer : IDisposable
{
    private readonly TempDirectory _folder = new("layer-");

    public string Directory => _folder.Path;

    public void Link(string target)
    {
        var lib = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "lib")).FullName;
        File.CreateSymbolicLink(Path.Combine(lib, Path.GetFileName(target)), Path.GetFullPath(target));
    }

    public void Dispose() => _folder.Dispose();
}
