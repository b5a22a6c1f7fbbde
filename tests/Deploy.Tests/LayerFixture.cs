using System.Text.RegularExpressions;

namespace Pipeline.Tests.Deploy;

/// <summary>The tests that build and inspect artifacts/: one collection, so they share one build and never overlap.</summary>
[CollectionDefinition(Name)]
public sealed class DeployCollection : ICollectionFixture<LayerFixture>
{
    public const string Name = "deploy";
}

/// <summary>Publishes the API's AOT bootstrap (if missing) and builds the layer, once per test run.</summary>
public sealed partial class LayerFixture
{
    public LayerFixture()
    {
        ApiBootstrap = Artifacts.AotBootstrap("api"); // takes the artifacts lock itself
        Artifacts.WithLock(() => Artifacts.RunScript("scripts/build-layer.sh"));
        BaseSonames = File.ReadLines(Path.Combine(Artifacts.RepoRoot, "layer", "al2023-base.txt"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Lambda's limit for a function's package plus its layers, unzipped.</summary>
    public const long LambdaUnzippedLimit = 250L * 1024 * 1024;

    /// <summary>The glibc of Amazon Linux 2023 (provided.al2023).</summary>
    public static readonly Version Al2023Glibc = new(2, 34);

    /// <summary>highgui's GUI stack, which the layer's library must not need.</summary>
    [GeneratedRegex(@"^lib(gtk|gdk|pango|atk|cairo|harfbuzz|freetype|glib|gio|gobject|gmodule|X11|xcb|drm)")]
    public static partial Regex GuiLibrary();

    public string ApiBootstrap { get; }

    /// <summary>The sonames layer/al2023-base.txt says provided.al2023 already has.</summary>
    public IReadOnlySet<string> BaseSonames { get; }

    public static string LayerDirectory => Path.Combine(Artifacts.RepoRoot, "artifacts", "layer");

    public static string LibDirectory => Path.Combine(LayerDirectory, "lib");

    public static string OpenCvLibrary => Path.Combine(LibDirectory, "libOpenCvSharpExtern.so");

    /// <summary>The library as NuGet ships it, GUI dependencies included.</summary>
    public static string UnpatchedOpenCvLibrary => Path.Combine(Artifacts.OpenCvNativeDirectory, "libOpenCvSharpExtern.so");

    /// <summary>Every ELF file that gets deployed: the layer's files and the AOT bootstraps published so far.</summary>
    public static IReadOnlyList<string> DeployedElfFiles() =>
    [
        .. Directory.EnumerateFiles(LayerDirectory, "*", SearchOption.AllDirectories).Where(Elf.IsElf).Order(StringComparer.Ordinal),
        .. new[] { "api", "worker" }.Select(f => Path.Combine(Artifacts.RepoRoot, "artifacts", "aot", f, "bootstrap")).Where(File.Exists),
    ];
}
