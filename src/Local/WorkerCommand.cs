using System.CommandLine;
using Pipeline.Aws;
using Pipeline.Diagnostics;
using Pipeline.Settings;
using Pipeline.Signals;
using Pipeline.Worker;

namespace Pipeline.Local;

/// <summary><c>pipeline-local worker</c>: the SQS event source mapping (<see cref="SqsEventSource"/>) in front of the worker function.</summary>
public static class WorkerCommand
{
    /// <summary>The command; its JSON log (and the function's) goes to <paramref name="log"/>.</summary>
    public static Command Create(JsonLog log)
    {
        var queue = new Option<string?>("--queue") { Description = $"the queue to poll (default: {PipelineSettings.QueueName.Name})" };
        var pollers = WholeNumberOption.Create("--pollers", "concurrent pollers, each invoking the function with its own batches", 2);
        var waitSeconds = WholeNumberOption.Create("--wait-seconds", "long-poll wait; a stop waits for a poll in flight", 5, min: 0);
        var visibility = WholeNumberOption.Optional("--visibility-timeout", "seconds a received message stays hidden (default: the queue's own)", min: 0);
        var timeout = WholeNumberOption.FromEnvironment("--timeout", "the worker function's timeout in seconds: each invocation's deadline", "PIPELINE_WORKER_TIMEOUT_SECONDS");
        var batchSize = WholeNumberOption.FromEnvironment("--batch-size", "messages per invocation, as the event source's BatchSize", "PIPELINE_WORKER_BATCH_SIZE");
        var command = new Command("worker", "The SQS event source mapping in front of the worker function: polls the queue and invokes the same handler Lambda runs with each batch.")
        {
            queue, pollers, waitSeconds, visibility, timeout, batchSize,
        };
        command.SetAction((parsed, _) =>
        {
            var options = new EventSourceOptions
            {
                BatchSize = parsed.GetValue(batchSize),
                Pollers = parsed.GetValue(pollers),
                WaitTimeSeconds = parsed.GetValue(waitSeconds),
                FunctionTimeout = TimeSpan.FromSeconds(parsed.GetValue(timeout)),
                VisibilityTimeout = parsed.GetValue(visibility) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            };
            return RunAsync(parsed.GetValue(queue) ?? PipelineSettings.QueueName.Read(Environment.GetEnvironmentVariable), options, log);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? queue, EventSourceOptions options, JsonLog log)
    {
        if (string.IsNullOrEmpty(queue))
        {
            Console.Error.WriteLine($"the worker needs --queue NAME or {PipelineSettings.QueueName.Name}");
            return 2;
        }
        if (!Composition.TryCreate(WorkerFunction.FromEnvironment, log, out var function))
            return 1;

        using var stop = new StopSignal();
        using var sqs = SqsEventSource.CreateClient(AwsEnvironment.FromEnvironment());
        string queueUrl;
        try
        {
            queueUrl = (await sqs.GetQueueUrlAsync(queue, stop.Token)).QueueUrl;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            log.Write("error", "queue not found", ("queue", queue), ("errorMessage", e.Message));
            return 1;
        }
        log.Write("info", "local worker polling", ("queue", queue), ("pollers", options.Pollers), ("batchSize", options.BatchSize), ("timeoutSeconds", options.FunctionTimeout.TotalSeconds));
        await new SqsEventSource(sqs, queueUrl, function, options, log).RunAsync(stop.Token);
        log.Write("info", "local worker stopped");
        return 0;
    }
}
