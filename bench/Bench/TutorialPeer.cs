using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Tests;

namespace Pipeline.Bench;

/// <summary>
/// The tutorial's Python handler (bench/tutorial_handler.py) on Debian's python3-opencv, kept
/// running in one process so it is warm like a reused Lambda environment; it times itself.
/// </summary>
public sealed class TutorialPeer : IDisposable
{
    /// <summary>Debian's interpreter, the one python3-opencv installs into.</summary>
    public const string Python = "/usr/bin/python3";

    private readonly Process _process;

    private TutorialPeer(Process process) => _process = process;

    /// <summary>The interpreter's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts the driver.</summary>
    public static TutorialPeer Start()
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Artifacts.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(Artifacts.RepoRoot, "bench", "tutorial_handler.py"));
        start.ArgumentList.Add("--serve");
        return new TutorialPeer(Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}"));
    }

    /// <summary>
    /// Runs the handler <paramref name="calls"/> times on the event in <paramref name="eventPath"/>;
    /// returns each call's wall and CPU time (the runtime's JSON included) and the handler's alone.
    /// </summary>
    public (Timing[] Calls, double[] HandlerMs) Run(string eventPath, int calls, string? saveOutputTo = null)
    {
        var request = new JsonObject { ["event"] = eventPath, ["calls"] = calls };
        if (saveOutputTo is not null)
            request["save"] = saveOutputTo;
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the tutorial handler exited ({(_process.WaitForExit(1000) ? _process.ExitCode : -1)})");
        using var answer = JsonDocument.Parse(line);
        var status = answer.RootElement.GetProperty("status").GetInt32();
        if (status != 200)
            throw new InvalidOperationException($"the tutorial handler answered {status}");
        var wall = Doubles(answer.RootElement.GetProperty("ms"));
        var cpu = Doubles(answer.RootElement.GetProperty("cpu_ms"));
        return (wall.Zip(cpu, (w, c) => new Timing(w, c)).ToArray(), Doubles(answer.RootElement.GetProperty("handler_ms")));
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <inheritdoc/>
    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
            _process.Kill();
        _process.Dispose();
    }
}
