using Amazon.SQS;
using Pipeline.Aws;
using Pipeline.Cli;
using Pipeline.Cli.Checks;
using Pipeline.Errors;

namespace Pipeline.Tests.Cli;

/// <summary>
/// verify's reading of a deployed stack through the real AWS CLI, against the CLI tests' moto:
/// the stack's outputs and API key, the alarms' states, the functions' metric lines and the
/// dead-letter queue. (moto's CloudFormation creates no alarms, so the alarms are created
/// directly and named to the check; API Gateway's stages cannot be served here at all.)
/// </summary>
[Collection("cli")]
public sealed class DeployedStackTests
{
    private readonly MotoServer _moto;
    private readonly AwsEnvironment _aws;
    private readonly AwsCli _cli;
    private readonly string _stackName = "verified-" + Guid.NewGuid().ToString("N")[..8];

    public DeployedStackTests(CliStack stack)
    {
        _moto = stack.Moto;
        _aws = AwsEnvironment.FromEnvironment(name => _moto.Environment.GetValueOrDefault(name));
        _cli = new AwsCli(_aws, profile: null);
    }

    [Fact]
    public async Task The_stacks_outputs_and_its_api_keys_value_are_read_with_the_aws_cli()
    {
        using var created = System.Text.Json.JsonDocument.Parse(await AwsAsync("apigateway", "create-api-key", "--name", _stackName, "--enabled", "--value", "k3y-0f-the-stack-0123456789"));
        var keyId = created.RootElement.GetProperty("id").GetString()!;
        await CreateStackAsync(("ApiUrl", "https://abc123.execute-api.eu-west-1.amazonaws.com/Prod/"), ("ApiKeyId", keyId), ("InputBucket", "acme-input"));
        var deployment = new Deployment(_cli, _stackName);

        var outputs = await deployment.OutputsAsync(CancellationToken.None);

        Assert.Equal(new Dictionary<string, string>
        {
            ["ApiUrl"] = "https://abc123.execute-api.eu-west-1.amazonaws.com/Prod/",
            ["ApiKeyId"] = keyId,
            ["InputBucket"] = "acme-input",
        }, outputs);
        Assert.Equal("k3y-0f-the-stack-0123456789", await deployment.ApiKeyAsync(keyId, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<PipelineException>(() => new Deployment(_cli, "no-such-stack").OutputsAsync(CancellationToken.None));
        Assert.Equal((ErrorCode.InvalidRequest, "No stack named no-such-stack in this account and region: pass --stack (and --region or --profile)."), (missing.Code, missing.Message));
    }

    [Fact]
    public async Task The_alarms_pass_until_one_is_missing_or_in_alarm()
    {
        string[] alarms = [_stackName + "-dead-letters", _stackName + "-api-5xx"];
        foreach (var alarm in alarms)
        {
            await AwsAsync("cloudwatch", "put-metric-alarm", "--alarm-name", alarm, "--namespace", "AWS/SQS", "--metric-name", "ApproximateNumberOfMessagesVisible",
                "--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "0", "--comparison-operator", "GreaterThanThreshold");
        }
        var checks = Checks();

        await checks.AlarmsAsync(alarms, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<CheckException>(() => checks.AlarmsAsync([.. alarms, _stackName + "-queue-age"], CancellationToken.None));
        await AwsAsync("cloudwatch", "set-alarm-state", "--alarm-name", alarms[0], "--state-value", "ALARM", "--state-reason", "Threshold Crossed: 1 message");
        var firing = await Assert.ThrowsAsync<CheckException>(() => checks.AlarmsAsync(alarms, CancellationToken.None));

        Assert.Equal($"the alarm {_stackName}-queue-age is declared but not in CloudWatch; update the stack", missing.Message);
        Assert.Equal($"{alarms[0]} is in ALARM (Threshold Crossed: 1 message); see the stack's dashboard", firing.Message);
        Assert.Equal(CheckOutcome.Fail, firing.Outcome);
    }

    [Fact]
    public async Task A_metric_line_must_reach_both_functions_log_groups_during_the_run()
    {
        var outputs = new Dictionary<string, string> { ["ApiLogGroup"] = $"/aws/lambda/{_stackName}-api", ["WorkerLogGroup"] = $"/aws/lambda/{_stackName}-worker" };
        foreach (var group in outputs.Values)
        {
            await AwsAsync("logs", "create-log-group", "--log-group-name", group);
            await AwsAsync("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "instance");
        }
        await PutLogLineAsync(outputs["ApiLogGroup"], """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Pipeline","Dimensions":[[]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Requests":1}""");
        await PutLogLineAsync(outputs["WorkerLogGroup"], """{"level":"info","message":"converted"}""");

        // Long enough for a few rounds of the AWS CLI on a busy machine; the second returns once it finds the line.
        var silent = await Assert.ThrowsAsync<CheckException>(() => Checks(outputs, TimeSpan.FromSeconds(12)).MetricLinesAsync(CancellationToken.None));
        await PutLogLineAsync(outputs["WorkerLogGroup"], """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Pipeline","Dimensions":[[]],"Metrics":[{"Name":"Converted","Unit":"Count"}]}]},"Converted":1}""");
        await Checks(outputs, TimeSpan.FromSeconds(120)).MetricLinesAsync(CancellationToken.None);

        Assert.StartsWith($"no metric line (Embedded Metric Format) in /aws/lambda/{_stackName}-worker within 12 s", silent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_in_the_dead_letter_queue_fails_its_line_with_how_to_read_and_redrive_it()
    {
        var checks = Checks();
        await checks.DeadLettersAsync(CancellationToken.None);
        using var sqs = new AmazonSQSClient(_aws.Configure(new AmazonSQSConfig()));
        var queue = _moto.Environment["PIPELINE_QUEUE_NAME"];
        var attributes = await sqs.GetQueueAttributesAsync((await sqs.GetQueueUrlAsync(queue)).QueueUrl, ["RedrivePolicy"]);
        var deadLetters = attributes.Attributes["RedrivePolicy"].Split('"').First(p => p.StartsWith("arn:", StringComparison.Ordinal)).Split(':')[^1];
        var deadLettersUrl = (await sqs.GetQueueUrlAsync(deadLetters)).QueueUrl;
        await sqs.SendMessageAsync(deadLettersUrl, "{}");

        CheckException full;
        try
        {
            full = await Assert.ThrowsAsync<CheckException>(() => checks.DeadLettersAsync(CancellationToken.None));
        }
        finally
        {
            await sqs.PurgeQueueAsync(deadLettersUrl); // the queue is shared with the other CLI tests
        }

        Assert.StartsWith($"1 messages in {deadLetters}: objects the worker gave up on; read them (aws sqs receive-message --queue-url ", full.Message, StringComparison.Ordinal);
        Assert.EndsWith("and, once the cause is fixed, redrive them with scripts/redrive-dlq.sh", full.Message, StringComparison.Ordinal);
    }

    private AwsChecks Checks(Dictionary<string, string>? outputs = null, TimeSpan? timeout = null)
    {
        var target = new Target(_aws, _moto.InputBucket, _moto.OutputBucket, _moto.Environment["PIPELINE_QUEUE_NAME"]);
        var stack = new StackUnderTest(target, new Uri("https://abc123.execute-api.us-east-1.amazonaws.com/Prod/"), null, new Deployment(_cli, _stackName), outputs ?? []);
        return new AwsChecks(stack, new AmazonSQSClient(_aws.Configure(new AmazonSQSConfig())), DateTimeOffset.UtcNow.AddMinutes(-1), timeout ?? TimeSpan.FromSeconds(10));
    }

    private async Task CreateStackAsync(params (string Key, string Value)[] outputs)
    {
        var template = "Resources:\n  Marker:\n    Type: AWS::SQS::Queue\nOutputs:\n"
            + string.Concat(outputs.Select(o => $"  {o.Key}:\n    Value: \"{o.Value}\"\n"));
        await AwsAsync("cloudformation", "create-stack", "--stack-name", _stackName, "--template-body", template);
    }

    private Task<string> PutLogLineAsync(string group, string message) =>
        AwsAsync("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "instance", "--log-events",
            System.Text.Json.JsonSerializer.Serialize(new[] { new { timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), message } }));

    private async Task<string> AwsAsync(params string[] arguments)
    {
        var result = await Tools.RunAsync("aws", ["--endpoint-url", _moto.Endpoint, "--output", "json", .. arguments], _moto.Environment);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)}: {result.Stderr}");
        return result.Stdout;
    }
}
