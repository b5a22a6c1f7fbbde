using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Aws;
using Pipeline.Errors;

namespace Pipeline.Cli.Checks;

/// <summary>
/// The AWS CLI (<c>aws</c> on the PATH, the one the deployer already has), for what the SDK
/// packages this project uses cannot read: CloudFormation, API Gateway keys, CloudWatch alarms
/// and logs. It runs with the same endpoint, region, profile and credentials as the rest of
/// the command (keys the command was given are handed on; otherwise the CLI's own chain
/// applies); every answer is read as JSON.
/// </summary>
public sealed class AwsCli
{
    private readonly List<string> _common = ["--output", "json"];
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["AWS_PAGER"] = "" };

    /// <summary>A CLI that talks to <paramref name="aws"/>'s endpoint and region, signing with <paramref name="profile"/> when given.</summary>
    public AwsCli(AwsEnvironment aws, string? profile)
    {
        if (aws.EndpointUrl is { } endpoint)
            _common.AddRange(["--endpoint-url", endpoint.ToString().TrimEnd('/')]);
        if (aws.Region is { } region)
            _common.AddRange(["--region", region]);
        if (profile is not null)
            _common.AddRange(["--profile", profile]);
        else if (aws.Credentials?.GetCredentials() is { } keys)
        {
            _environment["AWS_ACCESS_KEY_ID"] = keys.AccessKey;
            _environment["AWS_SECRET_ACCESS_KEY"] = keys.SecretKey;
            if (keys.UseToken)
                _environment["AWS_SESSION_TOKEN"] = keys.Token;
        }
    }

    /// <summary>
    /// Runs <c>aws <paramref name="arguments"/></c> and returns its JSON answer (an empty
    /// document reads as null); throws <see cref="ErrorCode.Unavailable"/> with the CLI's own
    /// message when it fails.
    /// </summary>
    public async Task<JsonElement?> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("aws")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var all = arguments.Concat(_common).ToList();
        foreach (var argument in all)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in _environment)
            start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            throw new PipelineException(ErrorCode.InvalidRequest, "The AWS CLI (aws) is not on the PATH; verify reads the stack with it.");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode != 0)
            {
                var message = (await stderr).Trim().Split('\n')[^1].Trim();
                throw new PipelineException(ErrorCode.Unavailable, $"aws {string.Join(' ', all.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)))} failed: {message}");
            }
            var text = await stdout;
            if (string.IsNullOrWhiteSpace(text))
                return null;
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
    }
}
