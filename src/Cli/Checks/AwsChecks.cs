using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Pipeline.Cli.Storage;

namespace Pipeline.Cli.Checks;

/// <summary>
/// What only the services around the functions can tell: the dead-letter queue is empty (the
/// local stack has one too), and, deployed, the stack's alarms exist and none is in ALARM, and
/// both functions' log groups received a metric line (Embedded Metric Format) during the run.
/// </summary>
/// <param name="stack">The stack checked.</param>
/// <param name="sqs">A client of its queues.</param>
/// <param name="started">When the run started: metric lines count from then.</param>
/// <param name="timeout">How long to wait for metric lines.</param>
public sealed class AwsChecks(StackUnderTest stack, IAmazonSQS sqs, DateTimeOffset started, TimeSpan timeout)
{
    private static readonly string[] LogGroupOutputs = ["ApiLogGroup", "WorkerLogGroup"];

    /// <summary>The checks, in the order they run (after the others, whose traffic they look for).</summary>
    public IEnumerable<Check> All() =>
    [
        new("the dead-letter queue is empty", false, DeadLettersAsync),
        new("the stack's alarms exist and none is in ALARM", true, async ct => await AlarmsAsync(await stack.Cloud!.AlarmNamesAsync(ct), ct)),
        new("both functions' log groups received a metric line during this run", true, MetricLinesAsync),
    ];

    /// <summary>The work queue's dead-letter queue (its redrive policy's target) holds no message.</summary>
    public async Task DeadLettersAsync(CancellationToken cancellationToken)
    {
        var queue = stack.Target.Queue ?? throw CheckException.Skip("no worker queue named: pass --queue (the stack's WorkerQueueUrl output)");
        var url = await NotificationSender.UrlOfAsync(sqs, queue, cancellationToken);
        var attributes = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["RedrivePolicy"] }, cancellationToken);
        if (attributes.Attributes?.GetValueOrDefault("RedrivePolicy") is not { } policy)
            throw CheckException.Fail($"the worker queue {queue} has no redrive policy: a message that keeps failing is retried until it expires");
        using var redrive = JsonDocument.Parse(policy);
        var deadLetterName = redrive.RootElement.GetProperty("deadLetterTargetArn").GetString()!.Split(':')[^1];
        var deadLetterUrl = (await sqs.GetQueueUrlAsync(deadLetterName, cancellationToken)).QueueUrl;
        var counts = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = deadLetterUrl,
            AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }, cancellationToken);
        int messages = counts.ApproximateNumberOfMessages + counts.ApproximateNumberOfMessagesNotVisible;
        if (messages > 0)
            throw CheckException.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{messages} messages in {deadLetterName}: objects the worker gave up on; read them (aws sqs receive-message --queue-url {deadLetterUrl}) and, once the cause is fixed, redrive them with scripts/redrive-dlq.sh"));
    }

    /// <summary>Every alarm of <paramref name="declared"/> (those the stack declares) exists in CloudWatch and none is in ALARM.</summary>
    public async Task AlarmsAsync(IReadOnlyList<string> declared, CancellationToken cancellationToken)
    {
        var cloud = stack.Cloud!;
        if (declared.Count == 0)
            throw CheckException.Fail($"the stack {cloud.Name} declares no alarm; the template's alarms are missing");
        var found = await cloud.Aws.RunAsync(["cloudwatch", "describe-alarms", "--alarm-names", .. declared, "--query", "MetricAlarms[].[AlarmName,StateValue,StateReason]"], cancellationToken);
        var states = found is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().ToDictionary(a => a[0].GetString()!, a => (State: a[1].GetString()!, Reason: a[2].GetString()), StringComparer.Ordinal)
            : [];
        if (declared.FirstOrDefault(n => !states.ContainsKey(n)) is { } missing)
            throw CheckException.Fail($"the alarm {missing} is declared but not in CloudWatch; update the stack");
        if (states.FirstOrDefault(s => s.Value.State == "ALARM") is { Key: { } firing, Value: var state })
            throw CheckException.Fail($"{firing} is in ALARM ({state.Reason}); see the stack's dashboard");
    }

    /// <summary>The API's and the worker's log groups each hold a metric line written since the run started.</summary>
    public async Task MetricLinesAsync(CancellationToken cancellationToken)
    {
        var cloud = stack.Cloud!;
        var groups = LogGroupOutputs.Select(o => stack.Outputs.GetValueOrDefault(o)
            ?? throw CheckException.Fail($"the stack has no {o} output")).ToList();
        var start = started.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var waiting = new List<string>(groups);
        try
        {
            while (waiting.Count > 0)
            {
                foreach (var group in waiting.ToList())
                {
                    var found = await cloud.Aws.RunAsync(["logs", "filter-log-events", "--log-group-name", group, "--start-time", start,
                        "--filter-pattern", "\"CloudWatchMetrics\"", "--max-items", "1", "--query", "events[].eventId"], deadline.Token);
                    if (found is { ValueKind: JsonValueKind.Array } ids && ids.GetArrayLength() > 0)
                        waiting.Remove(group);
                }
                if (waiting.Count > 0)
                    await Task.Delay(TimeSpan.FromSeconds(3), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw CheckException.Fail($"no metric line (Embedded Metric Format) in {string.Join(" and ", waiting)} within {timeout.TotalSeconds:0} s of this run's requests: do the functions log JSON to them, and may their roles write there?");
        }
    }
}
