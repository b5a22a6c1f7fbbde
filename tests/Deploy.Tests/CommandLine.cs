using System.Diagnostics;

namespace Pipeline.Tests.Deploy;

/// <summary>What a finished command printed.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs a tool to completion and keeps what it printed. Artifacts.RunScript throws on failure
/// but drops the output on success, and these tests read the output of readelf and of the checks.
/// </summary>
public static class CommandLine
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="fileName"/> (a repository-relative script or a tool on PATH) from the repository root.</summary>
    public static CommandResult Run(string fileName, params string[] arguments)
    {
        var path = fileName.Contains('/', StringComparison.Ordinal) ? Path.Combine(Artifacts.RepoRoot, fileName) : fileName;
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = Artifacts.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {Patience}.");
        }
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a tool that must succeed and returns its standard output.</summary>
    public static string Output(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Output}\n{result.Error}");
        return result.Output;
    }
}
