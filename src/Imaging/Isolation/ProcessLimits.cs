using System.Globalization;
using System.Runtime.InteropServices;

namespace Pipeline.Imaging.Isolation;

/// <summary>
/// The kernel's resource limits of a child process (prlimit(2) on its pid, which a process may
/// set on its own children), and what the child has used so far, read from /proc. Only soft
/// limits move: an unprivileged process cannot raise a hard one again.
/// </summary>
internal static partial class ProcessLimits
{
    private const int Cpu = 0, Data = 2, Core = 4;
    private const ulong Infinity = ulong.MaxValue;

    // sysconf(_SC_CLK_TCK): Linux reports CPU time in /proc in these ticks, 100 on every platform it runs on.
    private const int TicksPerSecond = 100;

    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>No core files: a child stopped by a limit must not write hundreds of megabytes to disk.</summary>
    public static void ForbidCoreFiles(int pid) => Set(pid, Core, 0, 0);

    /// <summary>
    /// Caps the child's data (its private writable memory: heap, anonymous mappings, thread
    /// stacks; what RLIMIT_DATA counts) at <paramref name="bytes"/>: allocations past it fail.
    /// </summary>
    public static void LimitData(int pid, long bytes) => Set(pid, Data, (ulong)bytes, Infinity);

    /// <summary>Stops the child with SIGXCPU once its CPU time (user and system, all threads) reaches <paramref name="seconds"/>.</summary>
    public static void LimitCpu(int pid, long seconds) => Set(pid, Cpu, (ulong)seconds, Infinity);

    /// <summary>
    /// Runs <paramref name="load"/> (a library's first load, before any image's data is touched)
    /// with this process's own data limit lifted, then moves the limit up by what the load added,
    /// so that the headroom its parent gave the image is still the image's alone.
    /// </summary>
    public static unsafe void BeyondOwnDataLimit(Action load)
    {
        Limit limit;
        if (SetLimit(0, Data, null, &limit) != 0)
            throw new InvalidOperationException($"prlimit(self, data) failed: errno {Marshal.GetLastPInvokeError()}.");
        if (limit.Current == Infinity)
        {
            load();
            return;
        }
        int self = Environment.ProcessId;
        long before = DataBytes(self);
        Set(0, Data, limit.Maximum, limit.Maximum);
        try
        {
            load();
        }
        finally
        {
            long added = Math.Max(0, DataBytes(self) - before);
            Set(0, Data, limit.Current + (ulong)added, limit.Maximum);
        }
    }

    /// <summary>The child's data size now (VmData in /proc/pid/status), in bytes.</summary>
    public static long DataBytes(int pid) => StatusField(pid, "VmData:");

    /// <summary>The CPU time the child has used so far, user and system, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        // /proc/pid/stat: "pid (comm) state ..." with utime and stime the 14th and 15th fields;
        // comm may hold spaces and parentheses, so count from the last ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (double)ticks / TicksPerSecond;
    }

    /// <summary>A "Name: value kB" field of /proc/pid/status, in bytes.</summary>
    public static long StatusField(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
                return 1024 * long.Parse(line.AsSpan(name.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {name} line.");
    }

    private static unsafe void Set(int pid, int resource, ulong current, ulong maximum)
    {
        var limit = new Limit { Current = current, Maximum = maximum };
        if (SetLimit(pid, resource, &limit, null) != 0)
            throw new InvalidOperationException($"prlimit({pid}, {resource}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    [LibraryImport("libc", EntryPoint = "prlimit", SetLastError = true)]
    private static unsafe partial int SetLimit(int pid, int resource, Limit* newLimit, Limit* oldLimit);

    private static unsafe int GetLimit(int pid, int resource, Limit* current) => SetLimit(pid, resource, null, current);
}
