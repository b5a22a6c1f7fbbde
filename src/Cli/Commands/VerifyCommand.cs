using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Checks;
using Pipeline.Errors;
using Pipeline.Settings;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline verify [--stack NAME]</c>: proves a stack works, one line per check. Deployed,
/// the stack's outputs and API key are read with the AWS CLI; locally (a loopback endpoint)
/// it checks ./run.sh's stack and skips what only AWS has.
/// </summary>
public static class VerifyCommand
{
    /// <summary>The stack name the README deploys.</summary>
    public const string DefaultStack = "pipeline";

    /// <summary>The command, resolving its target with <paramref name="target"/>.</summary>
    public static Command Create(TargetOptions target, Func<string, string?> environment)
    {
        var stackName = new Option<string>("--stack") { Description = "the CloudFormation stack to verify", DefaultValueFactory = _ => DefaultStack };
        var apiUrl = new Option<string?>("--api-url") { Description = "the API's base URL (default: the stack's ApiUrl output; locally http://127.0.0.1:$PIPELINE_API_PORT/, port 3000 by default)" };
        var apiKey = new Option<string?>("--api-key") { Description = $"the API key (default: {PipelineSettings.ApiKey.Name}, else the value of the stack's ApiKeyId)" };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for the worker (and for log lines) in each check", DefaultValueFactory = _ => 120 };
        var command = new Command("verify", "Checks that a deployed stack (or the local one) works end to end, prints ok, FAIL or skip per check with what to do, and deletes everything it created.")
        {
            stackName, apiUrl, apiKey, timeout,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var stack = await ResolveAsync(parsed, target, environment, parsed.GetValue(stackName)!, parsed.GetValue(apiUrl), parsed.GetValue(apiKey), cancellationToken);
            var run = new VerifyRun(stack, TimeSpan.FromSeconds(Math.Max(1, parsed.GetValue(timeout))), Console.Out.WriteLine);
            return await run.RunAsync(cancellationToken);
        });
        return command;
    }

    private static async Task<StackUnderTest> ResolveAsync(ParseResult parsed, TargetOptions target, Func<string, string?> environment,
        string name, string? apiUrl, string? apiKey, CancellationToken cancellationToken)
    {
        var aws = target.ResolveAws(parsed, environment);
        apiKey ??= NonEmpty(environment(PipelineSettings.ApiKey.Name));
        if (aws.EndpointUrl is { IsLoopback: true })
        {
            var port = NonEmpty(environment("PIPELINE_API_PORT")) ?? "3000";
            return new StackUnderTest(target.Resolve(parsed, environment), BaseUrl(apiUrl ?? $"http://127.0.0.1:{port}/"), apiKey, null, new Dictionary<string, string>());
        }

        var deployment = new Deployment(new AwsCli(aws, target.ProfileName(parsed)), name);
        var outputs = await deployment.OutputsAsync(cancellationToken);
        string? Output(string key) => outputs.GetValueOrDefault(key);
        apiUrl ??= Output("ApiUrl") ?? throw new PipelineException(ErrorCode.InvalidRequest, $"The stack {name} has no ApiUrl output; pass --api-url.");
        if (apiKey is null && Output("ApiKeyId") is { } keyId)
            apiKey = await deployment.ApiKeyAsync(keyId, cancellationToken);
        // The stack's own names first: variables exported for another stack must not mix in.
        string? Read(string variable) => (variable == PipelineSettings.InputBucket.Name ? Output("InputBucket")
            : variable == PipelineSettings.OutputBucket.Name ? Output("OutputBucket")
            : variable == PipelineSettings.QueueName.Name ? Output("WorkerQueueUrl")
            : null) ?? environment(variable);
        return new StackUnderTest(target.Resolve(parsed, Read), BaseUrl(apiUrl), apiKey, deployment, outputs);
    }

    private static Uri BaseUrl(string url) =>
        Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new PipelineException(ErrorCode.InvalidRequest, string.Create(CultureInfo.InvariantCulture, $"'{url}' is not an http(s) URL."));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
