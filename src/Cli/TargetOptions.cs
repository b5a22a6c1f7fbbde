using System.CommandLine;
using Amazon.Runtime.CredentialManagement;
using Pipeline.Aws;
using Pipeline.Errors;
using Pipeline.Settings;

namespace Pipeline.Cli;

/// <summary>
/// The options every command takes to find the stack. Each overrides the standard variable
/// named in its help (AWS_ENDPOINT_URL, AWS_REGION, PIPELINE_INPUT_BUCKET, ...); credentials
/// come from --profile, the AWS_* keys, or the AWS SDK's usual chain (AWS_PROFILE, ~/.aws, a role).
/// </summary>
public sealed class TargetOptions
{
    /// <summary>--endpoint-url.</summary>
    public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = "AWS endpoint, e.g. http://127.0.0.1:4566 (default: AWS_ENDPOINT_URL, else AWS itself)", Recursive = true };

    /// <summary>--region.</summary>
    public Option<string?> Region { get; } = new("--region") { Description = "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)", Recursive = true };

    /// <summary>--profile.</summary>
    public Option<string?> Profile { get; } = new("--profile") { Description = "a profile of ~/.aws to sign with (default: AWS_ACCESS_KEY_ID or the SDK's chain)", Recursive = true };

    /// <summary>--input-bucket.</summary>
    public Option<string?> InputBucket { get; } = new("--input-bucket") { Description = $"the stack's input bucket (default: {PipelineSettings.InputBucket.Name})", Recursive = true };

    /// <summary>--output-bucket.</summary>
    public Option<string?> OutputBucket { get; } = new("--output-bucket") { Description = $"the stack's output bucket (default: {PipelineSettings.OutputBucket.Name})", Recursive = true };

    /// <summary>--queue.</summary>
    public Option<string?> Queue { get; } = new("--queue") { Description = $"the worker queue's name or URL, for backfill (default: {PipelineSettings.QueueName.Name})", Recursive = true };

    /// <summary>Every option, to add to the root command.</summary>
    public IEnumerable<Option> All => [EndpointUrl, Region, Profile, InputBucket, OutputBucket, Queue];

    /// <summary>The target the options and <paramref name="environment"/> describe; throws <see cref="ErrorCode.InvalidRequest"/> naming what is missing.</summary>
    public Target Resolve(ParseResult parsed, Func<string, string?> environment)
    {
        string? Given(Option<string?> option) => GivenValue(parsed, option);
        var aws = ResolveAws(parsed, environment);
        string Bucket(Option<string?> option, TextSetting setting) => Given(option) ?? NonEmpty(environment(setting.Name))
            ?? throw new PipelineException(ErrorCode.InvalidRequest,
                $"No {option.Name[2..].Replace('-', ' ')}: pass {option.Name} or set {setting.Name} (./pipeline uses the local stack's when no AWS settings are given).");
        return new Target(aws, Bucket(InputBucket, PipelineSettings.InputBucket), Bucket(OutputBucket, PipelineSettings.OutputBucket),
            Given(Queue) ?? NonEmpty(environment(PipelineSettings.QueueName.Name)));
    }

    /// <summary>Endpoint, region and credentials from the options and <paramref name="environment"/>; throws <see cref="ErrorCode.InvalidRequest"/> when they are wrong.</summary>
    public AwsEnvironment ResolveAws(ParseResult parsed, Func<string, string?> environment)
    {
        string? Read(string name) => name switch
        {
            "AWS_ENDPOINT_URL" => GivenValue(parsed, EndpointUrl) ?? environment(name),
            "AWS_REGION" => GivenValue(parsed, Region) ?? environment(name),
            _ => environment(name),
        };

        AwsEnvironment aws;
        try
        {
            aws = AwsEnvironment.FromEnvironment(Read);
        }
        catch (InvalidOperationException e)
        {
            throw new PipelineException(ErrorCode.InvalidRequest, e.Message);
        }
        if (GivenValue(parsed, Profile) is { } profile)
        {
            var profiles = new CredentialProfileStoreChain();
            if (!profiles.TryGetAWSCredentials(profile, out var credentials))
                throw new PipelineException(ErrorCode.InvalidRequest, $"No AWS profile named '{profile}' in ~/.aws.");
            profiles.TryGetProfile(profile, out var stored);
            aws = aws with { Credentials = credentials, Region = aws.Region ?? stored?.Region?.SystemName };
        }
        return aws;
    }

    /// <summary>The --profile given, if any.</summary>
    public string? ProfileName(ParseResult parsed) => GivenValue(parsed, Profile);

    private static string? GivenValue(ParseResult parsed, Option<string?> option) => parsed.GetValue(option) is { Length: > 0 } value ? value : null;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
