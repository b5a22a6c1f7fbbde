using System.Text.Json;
using Pipeline.Errors;

namespace Pipeline.Cli.Checks;

/// <summary>The deployed CloudFormation stack, read through the AWS CLI: its outputs, its alarms and its API key's value.</summary>
public sealed class Deployment
{
    private readonly AwsCli _aws;

    /// <summary>The stack named <paramref name="name"/>.</summary>
    public Deployment(AwsCli aws, string name)
    {
        _aws = aws;
        Name = name;
    }

    /// <summary>The stack's name.</summary>
    public string Name { get; }

    /// <summary>The AWS CLI it is read with, for the stack's other services.</summary>
    public AwsCli Aws => _aws;

    /// <summary>Every output by key (ApiUrl, InputBucket, ...); throws <see cref="ErrorCode.InvalidRequest"/> when there is no such stack.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OutputsAsync(CancellationToken cancellationToken)
    {
        JsonElement? stacks;
        try
        {
            stacks = await _aws.RunAsync(["cloudformation", "describe-stacks", "--stack-name", Name, "--query", "Stacks[0].Outputs"], cancellationToken);
        }
        catch (PipelineException e) when (e.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            throw new PipelineException(ErrorCode.InvalidRequest, $"No stack named {Name} in this account and region: pass --stack (and --region or --profile).", e);
        }
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stacks is { ValueKind: JsonValueKind.Array } list)
        {
            foreach (var output in list.EnumerateArray())
                outputs[output.GetProperty("OutputKey").GetString()!] = output.GetProperty("OutputValue").GetString()!;
        }
        return outputs;
    }

    /// <summary>The names of the CloudWatch alarms the stack declares.</summary>
    public async Task<List<string>> AlarmNamesAsync(CancellationToken cancellationToken)
    {
        var names = await _aws.RunAsync(["cloudformation", "list-stack-resources", "--stack-name", Name,
            "--query", "StackResourceSummaries[?ResourceType=='AWS::CloudWatch::Alarm'].PhysicalResourceId"], cancellationToken);
        return names is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray().Select(n => n.GetString()!)] : [];
    }

    /// <summary>The value of the API key <paramref name="keyId"/>.</summary>
    public async Task<string?> ApiKeyAsync(string keyId, CancellationToken cancellationToken) =>
        (await _aws.RunAsync(["apigateway", "get-api-key", "--api-key", keyId, "--include-value", "--query", "value"], cancellationToken))?.GetString();
}
