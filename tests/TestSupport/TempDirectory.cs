namespace Pipeline.Tests;

/// <summary>A test's own folder under the system's temporary folder, removed with everything in it when disposed.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates a new, empty folder whose name starts with <paramref name="prefix"/>.</summary>
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Removes the folder and everything in it; a symbolic link inside is removed, never followed.</summary>
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
