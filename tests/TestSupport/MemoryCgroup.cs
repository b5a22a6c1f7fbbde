using System.Globalization;

namespace Pipeline.Tests;

/// <summary>
/// A memory cgroup of its own with a hard limit, as Lambda caps a function at its MemorySize:
/// a process started inside it is killed by the kernel if it goes over, and the cgroup records
/// its peak. Uses the cgroup v1 memory controller where it is mounted, else cgroup v2.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    private const string V1Root = "/sys/fs/cgroup/memory";
    private const string V2Root = "/sys/fs/cgroup";
    private readonly bool _v1;

    /// <summary>Creates the cgroup with a limit of <paramref name="limitBytes"/>, swap included where the kernel counts it.</summary>
    public MemoryCgroup(string name, long limitBytes)
    {
        _v1 = Directory.Exists(V1Root) && File.Exists(System.IO.Path.Combine(V1Root, "memory.limit_in_bytes"));
        Path = System.IO.Path.Combine(_v1 ? V1Root : V2Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException(
                $"Capping memory needs a writable cgroup memory controller (root, {V1Root} or a cgroup v2 {V2Root} with memory enabled); creating {Path} failed: {e.Message}", e);
        }
        var limit = limitBytes.ToString(CultureInfo.InvariantCulture);
        if (_v1)
        {
            Write("memory.limit_in_bytes", limit);
            if (File.Exists(System.IO.Path.Combine(Path, "memory.memsw.limit_in_bytes")))
                Write("memory.memsw.limit_in_bytes", limit);
        }
        else
        {
            Write("memory.max", limit);
            Write("memory.swap.max", "0");
        }
        LimitBytes = limitBytes;
    }

    /// <summary>The cgroup's folder.</summary>
    public string Path { get; }

    /// <summary>The hard limit.</summary>
    public long LimitBytes { get; }

    /// <summary>The most memory the cgroup's processes held at once (their RSS and page cache).</summary>
    public long PeakBytes => long.Parse(File.ReadAllText(System.IO.Path.Combine(Path, _v1 ? "memory.max_usage_in_bytes" : "memory.peak")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>How many times the kernel had to kill a process of the cgroup for memory.</summary>
    public int OomKills => File.ReadLines(System.IO.Path.Combine(Path, _v1 ? "memory.oom_control" : "memory.events"))
        .Where(l => l.StartsWith("oom_kill ", StringComparison.Ordinal))
        .Select(l => int.Parse(l[9..], CultureInfo.InvariantCulture))
        .FirstOrDefault();

    /// <summary>A shell command line that moves itself into the cgroup, then runs <c>"$0" "$@"</c>.</summary>
    public string EnterCommand => $"echo $$ > {System.IO.Path.Combine(Path, "cgroup.procs")} && exec \"$0\" \"$@\"";

    private void Write(string file, string value) => File.WriteAllText(System.IO.Path.Combine(Path, file), value);

    /// <inheritdoc/>
    public void Dispose()
    {
        // The processes are gone by now (disposed first); an empty cgroup can be removed, though
        // the kernel may report it busy for a moment after the last one exits. It never removes
        // one by itself, so keep trying for a while.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(Path);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"left the cgroup {Path} behind: {e.Message}");
                return;
            }
        }
    }
}
