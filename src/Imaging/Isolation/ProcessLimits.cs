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
        if (GetLimit(0, Data, &limit) != 0)
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
    public static long StatusField(int pid, string name) => StatusFields(pid, [name])[0];

    /// <summary>"Name: value kB" fields of /proc/pid/status, in bytes, from one read of it.</summary>
    public static long[] StatusFields(int pid, ReadOnlySpan<string> names)
    {
        var values = new long[names.Length];
        int found = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (line.StartsWith(names[i], StringComparison.Ordinal))
                {
                    values[i] = 1024 * long.Parse(line.AsSpan(names[i].Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    found++;
                }
            }
        }
        if (found != names.Length)
            throw new InvalidOperationException($"/proc/{pid}/status lacks one of {string.Join(", ", names.ToArray())}.");
        return values;
    }

    /// <summary>The CPU time this process has used, user and system, in seconds (getrusage: no /proc read).</summary>
    public static unsafe double OwnCpuSeconds()
    {
        Usage usage;
        if (GetUsage(0, &usage) != 0) // RUSAGE_SELF
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}.");
        return usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6;
    }

    /// <summary>
    /// Asks the kernel for a pipe buffer of <paramref name="bytes"/> (F_SETPIPE_SZ), so that an
    /// image crosses in a few writes rather than one wake-up of the reader per 64 KiB; left as it
    /// is where the system's pipe-max-size or the user's pipe quota refuses.
    /// </summary>
    public static void WidenPipe(System.IO.Pipes.PipeStream pipe, int bytes)
    {
        const int SetPipeSize = 1031; // F_SETPIPE_SZ in <linux/fcntl.h>
        _ = SetFlag((int)pipe.SafePipeHandle.DangerousGetHandle(), SetPipeSize, bytes);
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct Usage
    {
        // struct rusage on 64-bit Linux: ru_utime and ru_stime (timeval), then 14 longs.
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public fixed long Rest[14];
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static unsafe partial int GetUsage(int who, Usage* usage);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SetFlag(int fd, int command, int argument);

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
