using System.Text.Json;

namespace Pipeline.Tests.Cli;

/// <summary>The CLI never converts an image, so it carries none of the imaging code or its native libraries.</summary>
public sealed class CliDependencyTests
{
    [Fact]
    public void The_cli_depends_on_neither_the_imaging_core_nor_opencv()
    {
        var depsFile = Path.Combine(AppContext.BaseDirectory, "pipeline.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();

        Assert.Contains("pipeline", libraries);
        Assert.Contains("Pipeline.Shared", libraries);
        Assert.DoesNotContain(libraries, l => l.StartsWith("OpenCvSharp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Pipeline.Imaging", libraries);
    }
}
