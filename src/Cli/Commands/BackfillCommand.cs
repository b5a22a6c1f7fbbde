using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Runs;
using Pipeline.Cli.Storage;
using Pipeline.Cli.Terminal;
using Pipeline.Errors;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline backfill [s3://bucket/prefix]</c>: objects already in the input bucket, through the worker, without uploading them again.</summary>
public static class BackfillCommand
{
    /// <summary>The command, resolving its target with <paramref name="target"/>.</summary>
    public static Command Create(TargetOptions target, Func<string, string?> environment)
    {
        var location = new Argument<string?>("location") { Description = "s3://bucket/prefix in the input bucket; default: the whole input bucket", Arity = ArgumentArity.ZeroOrOne };
        var noWait = new Option<bool>("--no-wait") { Description = "send and return, without waiting for the worker" };
        var command = new Command("backfill", "Sends the inputs under a prefix whose job is not finished for their current version to the worker, and waits for them.")
        {
            location, noWait,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var stack = target.Resolve(parsed, environment);
            var prefix = stack.PrefixOf(parsed.GetValue(location));
            var queueName = stack.Queue ?? throw new PipelineException(ErrorCode.InvalidRequest,
                "No worker queue: pass --queue (the stack's WorkerQueueUrl output) or set PIPELINE_QUEUE_NAME.");
            using var sqs = stack.CreateSqsClient();
            var queue = await NotificationSender.OpenAsync(sqs, queueName, cancellationToken);
            var display = new ProgressDisplay();
            var run = new BackfillRun(stack.CreateStore(), queue, prefix, display.Say);
            bool wait = !parsed.GetValue(noWait);
            var work = run.RunAsync(wait, cancellationToken);
            await display.ShowAsync(run.Tally.Snapshot, work, TimeSpan.FromSeconds(5));
            bool interrupted = await RunSummary.EndedByStopAsync(work, cancellationToken);

            var s = run.Tally.Snapshot();
            var details = string.Create(CultureInfo.InvariantCulture, $"{s.Total} inputs, {s.Sent} sent to the worker, {s.Elapsed.TotalSeconds:0.0} s");
            return RunSummary.Print(run.Tally, interrupted, details, waited: wait);
        });
        return command;
    }
}
