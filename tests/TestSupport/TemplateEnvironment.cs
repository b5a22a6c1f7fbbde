namespace Pipeline.Tests;

/// <summary>
/// What emulator/bootstrap.py --env exports from template.yaml: the functions' environment (bucket
/// names, limits) and what the local hosts take from the template (the queue, the functions'
/// timeouts, the worker's batch size).
/// </summary>
public static class TemplateEnvironment
{
    /// <summary>The variables, by name.</summary>
    public static async Task<Dictionary<string, string>> ReadAsync()
    {
        var exports = await Tools.RunAsync("python3", ["emulator/bootstrap.py", "--env"]);
        if (exports.ExitCode != 0)
            throw new InvalidOperationException("bootstrap.py --env failed: " + exports.Stderr);
        return exports.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim('\''));
    }
}
