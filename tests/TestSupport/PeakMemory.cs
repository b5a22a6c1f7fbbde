namespace Pipeline.Tests;

/// <summary>A process's peak resident memory (VmHWM), which Linux lets us reset.</summary>
public static class PeakMemory
{
    /// <summary>
    /// Resets this process's peak after handing freed memory back to the OS (the GC's and
    /// malloc's), so that what is measured next does not depend on what ran before.
    /// </summary>
    public static void ResetSelf()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        _ = MallocTrim(0); // 1 if memory was released, 0 if there was none to release
        Reset(Environment.ProcessId);
    }

    /// <summary>Runs <paramref name="work"/> and returns its result and how far this process's peak grew meanwhile.</summary>
    public static (T Result, long Growth) GrowthDuring<T>(Func<T> work)
    {
        ResetSelf();
        long before = Bytes(Environment.ProcessId);
        var result = work();
        return (result, Bytes(Environment.ProcessId) - before);
    }

    /// <summary>Resets the peak of process <paramref name="pid"/> to its current resident memory.</summary>
    public static void Reset(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    /// <summary>The peak resident memory of process <paramref name="pid"/> since it started or was reset, in bytes.</summary>
    public static long Bytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
