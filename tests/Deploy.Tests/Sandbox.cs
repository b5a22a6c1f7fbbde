using System.Diagnostics;
using System.Text;

namespace Pipeline.Tests.Deploy;

/// <summary>A shared object mapped into a process, from /proc/&lt;pid&gt;/maps.</summary>
public sealed record MappedFile(string Path, long Inode);

/// <summary>
/// A process started by tests/Deploy.Tests/al2023-sandbox.sh: in a private mount namespace where
/// the system library directory holds only the host's builds of the AL2023 base libraries
/// (layer/al2023-base.txt) and the layer is mounted at /opt, as Lambda does. Needs root.
/// Disposing kills the process and everything it started.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private static readonly string Script = Path.Combine(Artifacts.RepoRoot, "tests", "Deploy.Tests", "al2023-sandbox.sh");
    private readonly Process _process;
    private readonly string _stage;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private Sandbox(Process process, string stage)
    {
        _process = process;
        _stage = stage;
    }

    /// <summary>Whether this process runs as root (uid 0), which unshare --mount needs.</summary>
    public static bool RunsAsRoot =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1] == "0";

    /// <summary>The process id; the script execs the command, so this is the command's process.</summary>
    public int ProcessId => _process.Id;

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Error { get { lock (_error) return _error.ToString(); } }

    /// <summary>
    /// Starts <paramref name="command"/> in the sandbox with exactly <paramref name="environment"/>
    /// (plus a PATH for the script's own tools).
    /// </summary>
    public static Sandbox Start(string layerDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var stage = Directory.CreateTempSubdirectory("al2023-sandbox-").FullName;
        var start = new ProcessStartInfo(Script)
        {
            WorkingDirectory = Artifacts.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { layerDirectory, Path.Combine(Artifacts.RepoRoot, "layer", "al2023-base.txt"), stage }.Concat(command))
            start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        var sandbox = new Sandbox(new Process { StartInfo = start }, stage);
        sandbox._process.OutputDataReceived += (_, e) => Append(sandbox._output, e.Data);
        sandbox._process.ErrorDataReceived += (_, e) => Append(sandbox._error, e.Data);
        sandbox._process.Start();
        sandbox._process.BeginOutputReadLine();
        sandbox._process.BeginErrorReadLine();
        return sandbox;
    }

    /// <summary>Runs a short command in the sandbox to completion.</summary>
    public static ToolResult Run(string layerDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        using var sandbox = Start(layerDirectory, environment, command);
        if (!sandbox._process.WaitForExit(TimeSpan.FromMinutes(1)))
            throw new TimeoutException($"{string.Join(' ', command)} did not finish in the sandbox.");
        sandbox._process.WaitForExit(); // drains the output
        return new ToolResult(sandbox._process.ExitCode, sandbox.Output, sandbox.Error);
    }

    /// <summary>The shared objects the running process has mapped.</summary>
    public IReadOnlyList<MappedFile> MappedSharedObjects() =>
    [
        .. File.ReadLines($"/proc/{ProcessId}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/') && Path.GetFileName(fields[5]).Contains(".so", StringComparison.Ordinal))
            .Select(fields => new MappedFile(fields[5].Trim(), long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture)))
            .Distinct(),
    ];

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_stage); // empty outside the namespace, which died with the process
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
            return;
        lock (buffer)
            buffer.AppendLine(line);
    }
}
