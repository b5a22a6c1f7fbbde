using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests;

/// <summary>The result of a command-line tool run by a test.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs real command-line clients (curl, the AWS CLI) and finds free ports.</summary>
public static class Tools
{
    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// How every test starts a process: output captured, working directory the repository root,
    /// and a relative path with a '/' (scripts/x.sh) resolved against the repository, not the test's folder.
    /// </summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var path = fileName.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(fileName) ? Path.Combine(Artifacts.RepoRoot, fileName) : fileName;
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Artifacts.RepoRoot,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return start;
    }

    /// <summary>Runs <paramref name="fileName"/> to completion (or kills it after <paramref name="timeout"/>).</summary>
    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(fileName, arguments, environment, workingDirectory))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout ?? TimeSpan.FromMinutes(3)}");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a tool to completion, synchronously.</summary>
    public static ToolResult Run(string fileName, params string[] arguments) =>
        RunAsync(fileName, arguments).GetAwaiter().GetResult();

    /// <summary>Runs a tool that must succeed and returns its standard output.</summary>
    public static string Output(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Stdout}\n{result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Polls <paramref name="url"/> until anything answers over HTTP, failing if <paramref name="process"/> exits.</summary>
    public static async Task WaitForHttpAsync(Uri url, ChildProcess process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (!process.IsRunning)
                throw new InvalidOperationException($"{process.Name} exited:\n{process.Tail()}");
            try
            {
                using var response = await http.GetAsync(url);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"{url} did not answer:\n{process.Tail()}");
    }
}
