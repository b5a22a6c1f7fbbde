using Amazon.SQS.Model;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.EndToEnd;

/// <summary>The local stack is what template.yaml declares, read here independently of emulator/bootstrap.py.</summary>
[Collection("stack")]
public sealed class BootstrapTests
{
    private readonly PipelineStack _stack;
    private readonly SamTemplate _template = SamTemplate.Load();

    public BootstrapTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public void The_functions_get_the_buckets_and_queue_the_template_names()
    {
        Assert.Equal(_template.Value(_template.Properties("InputBucket").Children["BucketName"]), _stack.InputBucket);
        Assert.Equal(_template.Value(_template.Properties("OutputBucket").Children["BucketName"]), _stack.OutputBucket);
        Assert.Equal(_template.Value(_template.Properties("WorkerQueue").Children["QueueName"]), _stack.QueueName);
        Assert.NotEqual(_stack.InputBucket, _stack.OutputBucket);
    }

    [Fact]
    public void The_local_hosts_run_with_the_functions_timeouts_and_the_batch_size_the_template_declares()
    {
        var apiTimeout = SamTemplate.Scalar(_template.Properties("ApiFunction"), "Timeout");
        var workerTimeout = SamTemplate.Scalar(_template.Properties("WorkerFunction"), "Timeout");
        var batchSize = SamTemplate.Scalar(SamTemplate.Map(_template.Properties("WorkerFunction"), "Events", "Queue", "Properties"), "BatchSize");

        var api = Logged(_stack.Api, "local API listening");
        var worker = Logged(_stack.Worker, "local worker polling");

        Assert.Equal(apiTimeout, api.GetProperty("timeoutSeconds").GetRawText());
        Assert.Equal(workerTimeout, worker.GetProperty("timeoutSeconds").GetRawText());
        Assert.Equal(batchSize, worker.GetProperty("batchSize").GetRawText());
    }

    [Fact]
    public async Task The_input_buckets_notification_matches_the_template()
    {
        var declared = ((YamlSequenceNode)SamTemplate.Map(_template.Properties("InputBucket"), "NotificationConfiguration").Children["QueueConfigurations"])
            .Cast<YamlMappingNode>().ToList();

        var actual = await _stack.S3.GetBucketNotificationAsync(_stack.InputBucket);

        var queues = actual.QueueConfigurations ?? [];
        Assert.Equal(declared.Count, queues.Count);
        foreach (var (want, have) in declared.Zip(queues))
        {
            Assert.Equal([SamTemplate.Scalar(want, "Event")], have.Events.Select(e => e.Value));
            Assert.EndsWith(":" + _stack.QueueName, have.Queue, StringComparison.Ordinal);
            var wantRules = want.Children.TryGetValue(new YamlScalarNode("Filter"), out var filter)
                ? ((YamlSequenceNode)SamTemplate.Map((YamlMappingNode)filter, "S3Key").Children["Rules"]).Cast<YamlMappingNode>()
                    .Select(r => (SamTemplate.Scalar(r, "Name").ToLowerInvariant(), _template.Value(r.Children["Value"]))).ToList()
                : [];
            var haveRules = (have.Filter?.S3KeyFilter?.FilterRules ?? []).Select(r => (r.Name.ToLowerInvariant(), r.Value)).ToList();
            Assert.Equal(wantRules, haveRules);
        }
    }

    [Fact]
    public async Task The_queue_dead_letters_after_the_templates_receive_count()
    {
        var queue = _template.Properties("WorkerQueue");
        var redrive = SamTemplate.Map(queue, "RedrivePolicy");
        var dlqName = _template.Value(_template.Properties("DeadLetterQueue").Children["QueueName"]);
        var url = (await _stack.Sqs.GetQueueUrlAsync(_stack.QueueName)).QueueUrl;

        var attributes = await _stack.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] });

        Assert.Equal(SamTemplate.Scalar(queue, "VisibilityTimeout"), attributes.Attributes["VisibilityTimeout"]);
        using var policy = System.Text.Json.JsonDocument.Parse(attributes.Attributes["RedrivePolicy"]);
        Assert.Equal(int.Parse(_template.Value(redrive.Children["maxReceiveCount"]), System.Globalization.CultureInfo.InvariantCulture), policy.RootElement.GetProperty("maxReceiveCount").GetInt32());
        Assert.EndsWith(":" + dlqName, policy.RootElement.GetProperty("deadLetterTargetArn").GetString(), StringComparison.Ordinal);
    }

    // The host's JSON record with that message (its output also holds lines of other kinds).
    private static System.Text.Json.JsonElement Logged(ChildProcess host, string message) =>
        System.Text.Json.JsonDocument.Parse(host.Lines.Single(l => l.Contains($"\"msg\":\"{message}\"", StringComparison.Ordinal))).RootElement;
}
