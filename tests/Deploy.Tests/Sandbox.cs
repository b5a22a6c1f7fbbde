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
    private readonly ChildProcess _process;
    private readonly string _stage;

    private Sandbox(ChildProcess process, string stage)
    {
        _process = process;
        _stage = stage;
    }

    /// <summary>Whether this process runs as root (uid 0), which unshare --mount needs.</summary>
    public static bool RunsAsRoot =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1] == "0";

    /// <summary>The process id; env, the script and unshare all exec, so this is the command's process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The last lines the command and the script printed.</summary>
    public string Tail() => _process.Tail();

    /// <summary>
    /// Starts <paramref name="command"/> in the sandbox with exactly <paramref name="environment"/>
    /// (plus a PATH for the script's own tools).
    /// </summary>
    public static Sandbox Start(string layerDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var stage = Directory.CreateTempSubdirectory("al2023-sandbox-").FullName;
        return new Sandbox(ChildProcess.Start("al2023-sandbox", "env", Arguments(layerDirectory, stage, environment, command)), stage);
    }

    /// <summary>Runs a short command in the sandbox to completion.</summary>
    public static ToolResult Run(string layerDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var stage = Directory.CreateTempSubdirectory("al2023-sandbox-").FullName;
        try
        {
            return Tools.RunAsync("env", Arguments(layerDirectory, stage, environment, command), timeout: TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(stage);
        }
    }

    // env -i: the command sees exactly these variables, none of the test process's.
    private static string[] Arguments(string layerDirectory, string stage, IReadOnlyDictionary<string, string> environment, string[] command) =>
    [
        "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        .. environment.Select(e => $"{e.Key}={e.Value}"),
        Script, layerDirectory, Path.Combine(Artifacts.RepoRoot, "layer", "al2023-base.txt"), stage,
        .. command,
    ];

    /// <summary>
    /// The environment an API bootstrap runs with in the sandbox: libraries from
    /// <paramref name="libraryPath"/>, the fake Runtime API, placeholder buckets and credentials.
    /// </summary>
    public static Dictionary<string, string> ApiEnvironment(FakeRuntimeApi runtime, string libraryPath) => new()
    {
        ["LD_LIBRARY_PATH"] = libraryPath,
        ["AWS_LAMBDA_RUNTIME_API"] = runtime.HostAndPort,
        ["PIPELINE_INPUT_BUCKET"] = "pipeline-input",
        ["PIPELINE_OUTPUT_BUCKET"] = "pipeline-output",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
    };

    /// <summary>The shared objects the running process and the processes it started (its converter) have mapped.</summary>
    public IReadOnlyList<MappedFile> MappedSharedObjects() =>
    [
        .. ProcessTree(ProcessId).SelectMany(pid => File.ReadLines($"/proc/{pid}/maps"))
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/') && Path.GetFileName(fields[5]).Contains(".so", StringComparison.Ordinal))
            .Select(fields => new MappedFile(fields[5].Trim(), long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture)))
            .Distinct(),
    ];

    /// <summary><paramref name="root"/> and every process below it.</summary>
    private static List<int> ProcessTree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        var tree = new List<int> { root };
        for (int i = 0; i < tree.Count; i++)
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        return tree;
    }

    public void Dispose()
    {
        _process.Dispose(); // kills it and everything it started
        Directory.Delete(_stage); // empty outside the namespace, which died with the process
    }
}
