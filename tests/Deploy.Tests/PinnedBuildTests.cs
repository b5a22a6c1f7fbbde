using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Pipeline.Tests.Deploy;

/// <summary>The same sources build the same thing anywhere: a pinned SDK, locked packages (the layer's files: LayerBuildTests).</summary>
public sealed partial class PinnedBuildTests
{
    [Fact]
    public void The_sdk_is_pinned_and_the_one_this_build_uses()
    {
        using var globalJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "global.json")));
        var sdk = globalJson.RootElement.GetProperty("sdk");
        var pinned = Version.Parse(sdk.GetProperty("version").GetString()!);
        var used = Version.Parse(Tools.Output("dotnet", "--version").Trim().Split('-')[0]);

        // latestPatch: the pinned version or a later patch of its feature band (10.0.4xx), never another band.
        Assert.Equal("latestPatch", sdk.GetProperty("rollForward").GetString());
        Assert.Equal((pinned.Major, pinned.Minor, pinned.Build / 100), (used.Major, used.Minor, used.Build / 100));
        Assert.True(used >= pinned, $"the build uses SDK {used}, older than the pinned {pinned}");
    }

    [Fact]
    public void Every_project_restores_from_a_lock_file_with_the_pinned_versions()
    {
        var pinned = XDocument.Load(Path.Combine(Artifacts.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => p.Attribute("Include")!.Value, p => p.Attribute("Version")!.Value, StringComparer.OrdinalIgnoreCase);
        var projects = ProjectInSolution().Matches(File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "Pipeline.sln")))
            .Select(m => m.Groups[1].Value.Replace('\\', '/'))
            .Append("bench/Bench/Bench.csproj")
            .ToList();
        // What scripts/publish-aot.sh publishes, and what those reference: restored for linux-x64 with the AOT compiler.
        var published = new[] { "src/Api", "src/Worker", "src/Shared" };

        Assert.Contains("<RestorePackagesWithLockFile>true</RestorePackagesWithLockFile>", File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "Directory.Build.props")), StringComparison.Ordinal);
        Assert.True(projects.Count >= 10, string.Join(", ", projects));
        foreach (var project in projects)
        {
            var folder = Path.GetDirectoryName(project)!;
            var lockFiles = published.Contains(folder) ? new[] { "packages.lock.json", "packages.aot.lock.json" } : ["packages.lock.json"];
            foreach (var lockFile in lockFiles)
            {
                var path = Path.Combine(Artifacts.RepoRoot, folder, lockFile);
                Assert.True(File.Exists(path), $"{folder} has no {lockFile}");
                using var locked = JsonDocument.Parse(File.ReadAllText(path));
                var dependencies = locked.RootElement.GetProperty("dependencies").EnumerateObject().SelectMany(f => f.Value.EnumerateObject()).ToList();
                foreach (var dependency in dependencies.Where(d => pinned.ContainsKey(d.Name) && d.Value.TryGetProperty("resolved", out _)))
                    Assert.True(pinned[dependency.Name] == dependency.Value.GetProperty("resolved").GetString(), $"{folder}/{lockFile} locks {dependency.Name} {dependency.Value.GetProperty("resolved")}, Directory.Packages.props pins {pinned[dependency.Name]}");
                Assert.All(dependencies.Where(d => d.Value.TryGetProperty("contentHash", out _)), d => Assert.NotEmpty(d.Value.GetProperty("contentHash").GetString()!));
            }
        }
    }

    [GeneratedRegex(@"^Project\(""\{[^}]+\}""\) = ""[^""]+"", ""([^""]+\.csproj)""", RegexOptions.Multiline)]
    private static partial Regex ProjectInSolution();
}
