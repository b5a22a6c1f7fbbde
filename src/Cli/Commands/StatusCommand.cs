using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline status [s3://bucket/prefix]</c>: how the jobs under a prefix stand, whoever started them.</summary>
public static class StatusCommand
{
    // Failures listed by name; the rest are counted.
    private const int ListedFailures = 20;

    /// <summary>The command, resolving its target with <paramref name="target"/>.</summary>
    public static Command Create(TargetOptions target, Func<string, string?> environment)
    {
        var location = new Argument<string?>("location") { Description = "s3://bucket/prefix in the input (or output) bucket; default: the whole input bucket", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Counts the inputs under a prefix that are converted, failed and pending, and says whether all are finished.") { location };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var stack = target.Resolve(parsed, environment);
            var prefix = stack.PrefixOf(parsed.GetValue(location));
            var counts = JobCounts.Of(await stack.CreateStore().ListAsync(prefix, cancellationToken));
            foreach (var job in counts.Failed.Take(ListedFailures))
                Console.Out.WriteLine($"failed: {job.Key}: {job.Error?.Code}: {job.Error?.Message}");
            if (counts.Failed.Count > ListedFailures)
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {counts.Failed.Count - ListedFailures} more failed"));
            Console.Out.WriteLine(counts.Line(stack.InputBucket, prefix));
            return ExitCodes.Ok;
        });
        return command;
    }
}
