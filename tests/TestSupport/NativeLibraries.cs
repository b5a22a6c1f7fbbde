using System.Xml.Linq;

namespace Pipeline.Tests;

/// <summary>Where the native libraries the functions load live on a development machine.</summary>
public static class NativeLibraries
{
    private const string OpenCvRuntimePackage = "OpenCvSharp4.official.runtime.linux-x64";

    extension(Artifacts)
    {
        /// <summary>
        /// The folder holding libOpenCvSharpExtern.so in the NuGet cache (NUGET_PACKAGES, or
        /// ~/.nuget/packages), at the version Directory.Packages.props pins. An AOT bootstrap
        /// is published without the library (it ships in a layer), so it needs this on
        /// LD_LIBRARY_PATH.
        /// </summary>
        public static string OpenCvNativeDirectory => FindOpenCvNativeDirectory();
    }

    private static string FindOpenCvNativeDirectory()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var directory = Path.Combine(cache, OpenCvRuntimePackage.ToLowerInvariant(), PinnedVersion(OpenCvRuntimePackage), "runtimes", "linux-x64", "native");
        if (!File.Exists(Path.Combine(directory, "libOpenCvSharpExtern.so")))
            throw new InvalidOperationException($"libOpenCvSharpExtern.so not found in {directory}; run dotnet restore first.");
        return directory;
    }

    private static string PinnedVersion(string package)
    {
        var props = XDocument.Load(Path.Combine(Artifacts.RepoRoot, "Directory.Packages.props"));
        return props.Descendants("PackageVersion")
            .Where(p => string.Equals((string?)p.Attribute("Include"), package, StringComparison.OrdinalIgnoreCase))
            .Select(p => (string?)p.Attribute("Version"))
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"Directory.Packages.props pins no version of {package}.");
    }
}
