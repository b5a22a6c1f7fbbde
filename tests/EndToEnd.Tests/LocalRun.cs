using System.Globalization;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// <c>./run.sh</c> as a new user starts it: an empty HOME, no AWS_* variables, the API and the
/// emulator on free ports (PIPELINE_API_PORT, AWS_ENDPOINT_URL), and its own run folder for the
/// logs and the state file (PIPELINE_RUN_DIR). It runs the build the tests run
/// (PIPELINE_CONFIGURATION), so it builds nothing. Shell commands run by <see cref="ShellAsync"/>
/// get the same environment, as a second terminal of that user would.
/// </summary>
public sealed class LocalRun : IAsyncDisposable
{
    private readonly TempDirectory _home;
    private readonly TempDirectory _runDir;
    private readonly Dictionary<string, string> _environment;
    private readonly ChildProcess _process;

    private LocalRun(TempDirectory home, TempDirectory runDir, int apiPort, string endpoint, Dictionary<string, string> environment, ChildProcess process)
    {
        _home = home;
        _runDir = runDir;
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}/");
        Endpoint = endpoint;
        _environment = environment;
        _process = process;
    }

    /// <summary>The run's HOME, empty at the start.</summary>
    public string Home => _home.Path;

    /// <summary>PIPELINE_RUN_DIR: the logs and the state file.</summary>
    public string RunDir => _runDir.Path;

    /// <summary>The API's base URL.</summary>
    public Uri ApiUrl { get; }

    /// <summary>AWS_ENDPOINT_URL given to ./run.sh.</summary>
    public string Endpoint { get; }

    /// <summary>./run.sh's process (its pid is the script's: env execs it).</summary>
    public ChildProcess Process => _process;

    /// <summary>
    /// Starts ./run.sh with SIGINT ignored (as <c>nohup</c> or a script's <c>&amp;</c> leave it)
    /// or at its default (a terminal); <paramref name="apiPort"/> and <paramref name="endpoint"/>
    /// default to free ports.
    /// </summary>
    public static LocalRun Start(bool sigintIgnored = false, int? apiPort = null, string? endpoint = null)
    {
        var home = new TempDirectory("run-home-");
        var runDir = new TempDirectory("run-dir-");
        int port = apiPort ?? Tools.FreePort();
        endpoint ??= $"http://127.0.0.1:{Tools.FreePort().ToString(CultureInfo.InvariantCulture)}";
        var machineHome = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home.Path,
            // The machine's own Python (moto's server, the AWS CLI) and package cache, as .ci/run keeps them.
            ["PYENV_ROOT"] = Environment.GetEnvironmentVariable("PYENV_ROOT") ?? Path.Combine(machineHome, ".pyenv"),
            ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(machineHome, ".nuget", "packages"),
            ["PIPELINE_RUN_DIR"] = runDir.Path,
            ["PIPELINE_CONFIGURATION"] = ConfigurationOf(LocalHost.Dll()),
        };
        var process = ChildProcess.Start("run.sh", "env",
            [.. UnsetAws(), sigintIgnored ? "--ignore-signal=INT" : "--default-signal=INT",
             $"PIPELINE_API_PORT={port.ToString(CultureInfo.InvariantCulture)}", $"AWS_ENDPOINT_URL={endpoint}", "./run.sh"],
            environment);
        return new LocalRun(home, runDir, port, endpoint, environment, process);
    }

    /// <summary>Returns once the banner has been printed in full; fails if ./run.sh exits first.</summary>
    public Task WaitUntilRunningAsync() =>
        _process.WaitForLineAsync(l => l.EndsWith("Requests, one line each:", StringComparison.Ordinal), TimeSpan.FromMinutes(3));

    /// <summary>Waits until ./run.sh has exited by itself.</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync(TimeSpan.FromMinutes(2));

    /// <summary>Everything ./run.sh has printed so far.</summary>
    public string Output => string.Join('\n', _process.Lines);

    /// <summary>The state file's values, or null when there is none.</summary>
    public Dictionary<string, string>? State()
    {
        var path = Path.Combine(RunDir, "local-stack.state");
        return File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : null;
    }

    /// <summary>Runs <paramref name="command"/> with bash from the repository's root, in this run's environment (no AWS_* variables).</summary>
    public Task<ToolResult> ShellAsync(string command) =>
        Tools.RunAsync("env", [.. UnsetAws(), $"PIPELINE_CONFIGURATION={ConfigurationOf(Artifacts.NewestBuild("Cli", "pipeline.dll"))}", "bash", "-c", command],
            _environment, timeout: TimeSpan.FromMinutes(3));

    /// <summary>True while process <paramref name="pid"/> exists.</summary>
    public static bool IsAlive(string pid) => Directory.Exists($"/proc/{pid}");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        var state = State();
        await _process.StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        // A run.sh that had to be killed leaves the emulator it started (not its child) running.
        if (state?.GetValueOrDefault("emulator_pid") is { } emulator && IsAlive(emulator))
            System.Diagnostics.Process.GetProcessById(int.Parse(emulator, CultureInfo.InvariantCulture)).Kill();
        _home.Dispose();
        _runDir.Dispose();
    }

    // env -u for every AWS_* variable of the test run: the user has none.
    private static IEnumerable<string> UnsetAws() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal))
            .SelectMany(k => new[] { "-u", k });

    // src/X/bin/<configuration>/net10.0/x.dll
    private static string ConfigurationOf(string dll) => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(dll)))!;
}
