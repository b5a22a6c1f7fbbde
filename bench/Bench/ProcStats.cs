using System.Globalization;
using System.Runtime.InteropServices;

namespace Pipeline.Bench;

/// <summary>What the kernel counts for a process and for the machine, read from /proc.</summary>
public static partial class ProcStats
{
    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc's <bits/confname.h>
    private const int ClockProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID in <linux/time.h>
    private const int RusageChildren = -1;
    private static readonly double TicksPerSecond = SysConf(ScClkTck);

    /// <summary>CPU time of this process, all threads, to the nanosecond (CLOCK_PROCESS_CPUTIME_ID).</summary>
    public static TimeSpan OwnCpuTime()
    {
        if (ClockGetTime(ClockProcessCpuTimeId, out var now) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
        return TimeSpan.FromTicks(now.Seconds * TimeSpan.TicksPerSecond + now.Nanoseconds / 100);
    }

    /// <summary>CPU time of this process's exited and reaped children (getrusage RUSAGE_CHILDREN).</summary>
    public static TimeSpan ChildrenCpuTime()
    {
        if (GetRUsage(RusageChildren, out var usage) != 0)
            throw new InvalidOperationException("getrusage(RUSAGE_CHILDREN) failed");
        return usage.User.ToTimeSpan() + usage.System.ToTimeSpan();
    }

    /// <summary>CPU time the process has used so far: utime + stime from /proc/&lt;pid&gt;/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces and parentheses: fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture); // field 14 of proc(5)
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture); // field 15
        return TimeSpan.FromSeconds((utime + stime) / TicksPerSecond);
    }

    /// <summary>
    /// CPU time the process has used so far, to the nanosecond: the sum of its threads'
    /// /proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat run times (a thread that has exited is no longer counted).
    /// </summary>
    public static TimeSpan TaskCpuTime(int pid)
    {
        long nanoseconds = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "schedstat"));
            }
            catch (IOException)
            {
                continue; // the thread exited meanwhile
            }
            nanoseconds += long.Parse(stat.AsSpan(0, stat.IndexOf(' ')), CultureInfo.InvariantCulture);
        }
        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    private static readonly Dictionary<int, (int[] Pids, long Found)> Converters = [];

    /// <summary>
    /// CPU time of the converter processes (Pipeline.Converter) that process <paramref name="parent"/>
    /// started, to the nanosecond: where a conversion's work is done since it moved out of the
    /// handler's process. The processes are looked up in /proc once a second at most.
    /// </summary>
    public static TimeSpan ConverterCpuTime(int parent)
    {
        lock (Converters)
        {
            if (!Converters.TryGetValue(parent, out var known) || System.Diagnostics.Stopwatch.GetElapsedTime(known.Found) > TimeSpan.FromSeconds(1)
                || known.Pids.Any(pid => !Directory.Exists($"/proc/{pid}")))
            {
                known = (ConverterPids(parent), System.Diagnostics.Stopwatch.GetTimestamp());
                Converters[parent] = known;
            }
            var total = TimeSpan.Zero;
            foreach (var pid in known.Pids)
            {
                try
                {
                    total += TaskCpuTime(pid);
                }
                catch (DirectoryNotFoundException)
                {
                    // It exited meanwhile (killed for overrunning a budget, or replaced).
                }
            }
            return total;
        }
    }

    private static int[] ConverterPids(int parent)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent // field 4 of proc(5): the parent
                    && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("Pipeline.Converter", StringComparison.Ordinal))
                    pids.Add(pid);
            }
            catch (IOException)
            {
                // It exited meanwhile.
            }
        }
        return [.. pids];
    }

    /// <summary>Busy and total CPU time of the whole machine (all cores) from /proc/stat.</summary>
    public static (TimeSpan Busy, TimeSpan Total) MachineCpu()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        long total = ticks.Take(8).Sum(); // user nice system idle iowait irq softirq steal; guest is inside user
        long idle = ticks[3] + ticks[4];
        return (TimeSpan.FromSeconds((total - idle) / TicksPerSecond), TimeSpan.FromSeconds(total / TicksPerSecond));
    }

    /// <summary>The 1-minute load average.</summary>
    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, out RUsage usage);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        public fixed long Counters[14]; // maxrss … nivcsw: unused here
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;

        public readonly TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Seconds * TimeSpan.TicksPerSecond + Microseconds * 10);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>CPU used by a set of processes and by the whole machine between two moments.</summary>
public sealed class CpuWindow
{
    private readonly int[] _pids;
    private readonly TimeSpan[] _start;
    private readonly (TimeSpan Busy, TimeSpan Total) _machineStart;
    private readonly long _wallStart = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Starts counting for <paramref name="pids"/>.</summary>
    public CpuWindow(params int[] pids)
    {
        _pids = pids;
        _start = pids.Select(Cpu).ToArray();
        _machineStart = ProcStats.MachineCpu();
    }

    // A process's CPU time with that of the converter processes it started.
    private static TimeSpan Cpu(int pid) => ProcStats.CpuTime(pid) + ProcStats.ConverterCpuTime(pid);

    /// <summary>Wall time, each process's CPU time (with its converter processes'), and the machine's busy cores since the start.</summary>
    public (TimeSpan Wall, TimeSpan[] Cpu, double MachineBusyCores) Read()
    {
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(_wallStart);
        var cpu = _pids.Select((pid, i) => Cpu(pid) - _start[i]).ToArray();
        var machine = ProcStats.MachineCpu();
        var busy = machine.Busy - _machineStart.Busy;
        var total = machine.Total - _machineStart.Total;
        return (wall, cpu, busy / total * Environment.ProcessorCount);
    }
}
