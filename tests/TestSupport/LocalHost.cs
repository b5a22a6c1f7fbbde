namespace Pipeline.Tests;

/// <summary>
/// Starts the local hosts (<c>pipeline-local api | worker</c>) the way ./run.sh does, as child
/// processes with exactly the environment a test gives them.
/// </summary>
public static class LocalHost
{
    /// <summary>How long a received message stays hidden in tests (the queue's own is 6 minutes).</summary>
    public const int VisibilityTimeoutSeconds = 8;

    /// <summary>Starts <c>pipeline-local</c> with <paramref name="arguments"/>.</summary>
    public static ChildProcess Start(string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        ChildProcess.Start(name, "dotnet", [Dll(), .. arguments], environment);

    /// <summary>
    /// Starts a local worker polling the template's queue with short waits and visibility
    /// timeouts; <paramref name="options"/> override those (e.g. ["--pollers"] = "1"). Returns
    /// once it polls.
    /// </summary>
    public static async Task<ChildProcess> StartWorkerAsync(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string>? options = null)
    {
        var worker = StartWorker(environment, options);
        await WaitUntilPollingAsync(worker);
        return worker;
    }

    /// <summary>Returns once <paramref name="worker"/> says it polls its queue.</summary>
    public static Task WaitUntilPollingAsync(ChildProcess worker) =>
        worker.WaitForLineAsync(l => l.Contains("local worker polling", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

    /// <summary>Starts a local worker (see <see cref="StartWorkerAsync"/>) without waiting for it.</summary>
    public static ChildProcess StartWorker(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string>? options = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["--wait-seconds"] = "1",
            ["--visibility-timeout"] = VisibilityTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in options ?? new Dictionary<string, string>())
            settings[name] = value;
        return Start("worker", ["worker", .. settings.SelectMany(s => new[] { s.Key, s.Value })], environment);
    }

    /// <summary>The newest build of pipeline-local.dll (Debug or Release).</summary>
    public static string Dll() => Artifacts.NewestBuild("Local", "pipeline-local.dll");
}
