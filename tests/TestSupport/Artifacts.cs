namespace Pipeline.Tests;

/// <summary>
/// Locates the repository and its build artifacts. AOT executables are published by
/// scripts/publish-aot.sh (./test.sh runs it first); when one is missing, the first test
/// that needs it publishes it, under a file lock shared by parallel test processes.
/// </summary>
public static class Artifacts
{
    /// <summary>The repository root (the folder holding Pipeline.sln).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>artifacts/aot/&lt;function&gt;/bootstrap, (re)published when missing or older than its sources.</summary>
    public static string AotBootstrap(string function)
    {
        var path = Path.Combine(RepoRoot, "artifacts", "aot", function, "bootstrap");
        var project = char.ToUpperInvariant(function[0]) + function[1..];
        WithLock(() =>
        {
            if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) < NewestSource("src/Shared", "src/Errors", "src/Imaging", "src/" + project))
                RunScript("scripts/publish-aot.sh", function);
        });
        return path;
    }

    /// <summary>The newest build (Debug or Release) of <paramref name="dll"/> in src/<paramref name="project"/>; fails when there is none.</summary>
    public static string NewestBuild(string project, string dll) =>
        new[] { "Debug", "Release" }
            .Select(c => Path.Combine(RepoRoot, "src", project, "bin", c, "net10.0", dll))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault() ?? throw new InvalidOperationException($"{dll} is not built; run dotnet build Pipeline.sln");

    // C# and project files, and the web page's files the API embeds.
    private static readonly HashSet<string> SourceExtensions = new(StringComparer.Ordinal) { ".cs", ".csproj", ".html", ".css", ".js", ".svg" };

    private static DateTime NewestSource(params string[] folders) => folders
        .SelectMany(f => Directory.EnumerateFiles(Path.Combine(RepoRoot, f), "*.*", SearchOption.AllDirectories))
        .Where(f => SourceExtensions.Contains(Path.GetExtension(f)))
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Select(File.GetLastWriteTimeUtc)
        .DefaultIfEmpty(DateTime.MinValue)
        .Max();

    /// <summary>Runs a repository script, failing with its output when it fails.</summary>
    public static void RunScript(string script, params string[] arguments) => Tools.Output(script, arguments);

    /// <summary>Runs <paramref name="action"/> holding artifacts/.lock, so parallel test processes build once.</summary>
    public static void WithLock(Action action)
    {
        var lockPath = Path.Combine(RepoRoot, "artifacts", ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var deadline = DateTime.UtcNow.AddMinutes(10);
        FileStream? held = null;
        while (held is null)
        {
            try
            {
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500); // another test process holds it
            }
        }
        using (held)
            action();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
